"""Application errors: a code, an optional field and a message that is safe to show.

Three families decide what callers do with an error:
``Retryable`` (try again later: Celery retry, or HTTP 503 at webhook ingest),
``Permanent`` (record the failure, never retry) and ``NoOp`` (nothing to do; answer 200).
"""

from __future__ import annotations

from app.domain.errors import AppError, ErrorCode, Invalid, Permanent

__all__ = [
    "AppError",
    "ErrorCode",
    "Invalid",
    "NoOp",
    "NotAllowed",
    "NotFound",
    "Permanent",
    "Retryable",
    "TooLarge",
    "Unauthenticated",
]


class Retryable(AppError):
    """A temporary failure: the same call may succeed later."""

    code = ErrorCode.UNAVAILABLE


class NoOp(AppError):
    """Nothing to do (our own event, a duplicate delivery, a disabled feature)."""

    code = ErrorCode.IGNORED


class NotFound(Permanent):
    code = ErrorCode.NOT_FOUND


class NotAllowed(Permanent):
    code = ErrorCode.NOT_ALLOWED


class Unauthenticated(Permanent):
    code = ErrorCode.UNAUTHENTICATED


class TooLarge(Permanent):
    code = ErrorCode.TOO_LARGE
