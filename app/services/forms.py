"""Errors that carry one message per form field, for pages and CSV imports."""

from __future__ import annotations

from app.domain.errors import DomainValidationError
from app.errors import Invalid


class FormInvalid(Invalid):
    """Bad input: ``errors`` maps field names to messages; ``rows`` lists CSV row errors."""

    def __init__(
        self,
        errors: dict[str, str],
        message: str = "Fix the highlighted fields.",
        rows: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = errors
        self.rows = rows or []

    @classmethod
    def from_domain(cls, error: DomainValidationError) -> FormInvalid:
        return cls(dict(error.errors))
