"""The root of every error the app raises, and the domain's own rule violations.

An error carries a machine ``code`` (a StrEnum: ``ErrorCode`` for what every layer shares, and
one enum per feature, such as ``OrderErrorCode``), an optional form ``field`` and a message that
is safe to show. A rule violation leaves the domain with its code and field, so no layer above
has to wrap it again (see app/errors.py for the families that decide retry / fail / ignore).
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
    IGNORED = "ignored"
    RATE_LIMITED = "rate_limited"


class AppError(Exception):
    """Base error with a machine code, an optional form field and a safe message."""

    code: StrEnum = ErrorCode.INVALID

    def __init__(self, message: str, *, code: StrEnum | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class Permanent(AppError):
    """A failure that retrying will not fix."""


class Invalid(Permanent):
    """Input or an action the rules refuse (HTTP 400)."""

    code = ErrorCode.INVALID


class RuleViolation(Invalid, ValueError):
    """An action the current state does not allow (e.g. sending a cancelled PO).

    Raised with the feature's code and, when one form field is at fault, that field.
    """


class DomainValidationError(Invalid, ValueError):
    """Input that breaks a business rule; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
