"""Errors that carry one message per form field, for pages and CSV imports."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from app.domain.errors import DomainValidationError
from app.errors import Invalid

MAX_ROW_ERRORS = 50
CONTROL_CHARACTER_MESSAGE = "Remove the control characters (such as NUL) from this field."
# C0 controls, DEL and C1 controls (PostgreSQL refuses NUL in text outright); multi-line texts
# may hold tabs and line breaks.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(data: Mapping[str, object], multiline: Collection[str] = ()) -> None:
    """A field error for each text field holding a control character."""
    errors = {
        name: CONTROL_CHARACTER_MESSAGE
        for name, value in data.items()
        if isinstance(value, str)
        and (_MULTI_LINE if name in multiline else _SINGLE_LINE).search(value)
    }
    if errors:
        raise FormInvalid(errors)


def capped(errors: list[str], limit: int = MAX_ROW_ERRORS) -> list[str]:
    """The first ``limit`` row errors and "… and N more.": a file of bad rows stays readable."""
    if len(errors) <= limit:
        return errors
    return [*errors[:limit], f"… and {len(errors) - limit} more."]


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
        self.rows = capped(rows or [])

    @classmethod
    def from_domain(cls, error: DomainValidationError) -> FormInvalid:
        return cls(dict(error.errors))
