"""Application errors: a code, an optional field and a message that is safe to show.

Three families decide what callers do with an error:
``Retryable`` (try again later: Celery retry, or HTTP 503 at webhook ingest),
``Permanent`` (record the failure, never retry) and ``NoOp`` (nothing to do; answer 200).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Codes shared by every layer; the web layer maps them to HTTP statuses."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    UNAUTHENTICATED = "unauthenticated"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNAVAILABLE = "unavailable"
    SALEOR_REFUSED = "saleor_refused"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


class AppError(Exception):
    """Base error with a machine code, an optional form field and a safe message."""

    code: ErrorCode = ErrorCode.INVALID

    def __init__(self, message: str, *, code: ErrorCode | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class Retryable(AppError):
    """A temporary failure: the same call may succeed later."""

    code = ErrorCode.UNAVAILABLE


class Permanent(AppError):
    """A failure that retrying will not fix."""


class NoOp(AppError):
    """Nothing to do (our own event, a duplicate delivery, a disabled feature)."""

    code = ErrorCode.IGNORED


class Invalid(Permanent):
    code = ErrorCode.INVALID


class NotFound(Permanent):
    code = ErrorCode.NOT_FOUND


class NotAllowed(Permanent):
    code = ErrorCode.NOT_ALLOWED


class Unauthenticated(Permanent):
    code = ErrorCode.UNAUTHENTICATED


class TooLarge(Permanent):
    code = ErrorCode.TOO_LARGE
