"""A vendor's answer to a purchase order, line by line: confirmed, backordered until a date, or
cancelled with a reason. The vendor portal and the vendor API both answer through these rules
(EDI 855 acknowledgements keep their own document but mean the same)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import DomainValidationError

MAX_REASON_LENGTH = 500
LATEST_EXPECTED_DATE = timedelta(days=366)  # a backorder "until" later than this is a typo


class LineAnswer(StrEnum):
    CONFIRMED = "confirmed"
    BACKORDERED = "backordered"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"confirmed": "Confirmed", "backordered": "Backordered", "cancelled": "Cancelled"}[
            self.value
        ]


@dataclass(frozen=True)
class LineResponse:
    """What the vendor said about one PO line (the latest answer wins)."""

    order_line_id: str
    answer: LineAnswer
    expected_date: date | None = None  # backordered: when the vendor expects to ship
    reason: str = ""  # cancelled: why

    def describe(self, label: str) -> str:
        if self.answer is LineAnswer.BACKORDERED and self.expected_date is not None:
            return f"{label} backordered until {self.expected_date:%Y-%m-%d}"
        if self.answer is LineAnswer.CANCELLED:
            return f"{label} cancelled ({self.reason})"
        return f"{label} confirmed"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def is_clean_text(value: str) -> bool:
    """No control characters (NUL breaks PostgreSQL) and no lone surrogates (not UTF-8): what a
    vendor types in the portal or posts to the vendor API."""
    return not _CONTROL.search(value)


def _expected_date(raw: object, today: date, field: str, errors: dict[str, str]) -> date | None:
    text = str(raw or "").strip()
    if not text:
        errors[field] = "Enter the date the vendor expects to ship (YYYY-MM-DD)."
        return None
    try:
        when = date.fromisoformat(text[:10]) if len(text) <= 10 else None
    except ValueError:
        when = None
    if when is None:
        errors[field] = "Enter a date as YYYY-MM-DD."
    elif when < today:
        errors[field] = "The expected date cannot be in the past."
    elif when > today + LATEST_EXPECTED_DATE:
        errors[field] = "The expected date must be within a year."
    return when


def clean_line_responses(
    line_ids: list[str],
    raw: Mapping[str, Mapping[str, object]],
    *,
    today: date,
    confirm_the_rest: bool = True,
) -> tuple[LineResponse, ...]:
    """Validate answers keyed by order line id; every bad field is reported at once.

    ``line_ids`` are the PO's lines. A line not mentioned is confirmed when
    ``confirm_the_rest`` (confirming a PO means all of it), otherwise left unanswered.
    Errors are keyed ``lines.<order_line_id>.<field>``.
    """
    errors: dict[str, str] = {}
    known = set(line_ids)
    for line_id in raw:
        if line_id not in known:
            errors[f"lines.{line_id[:80]}"] = "This line is not on the purchase order."
    responses: list[LineResponse] = []
    for line_id in line_ids:
        entry = raw.get(line_id)
        if entry is None:
            if confirm_the_rest:
                responses.append(LineResponse(line_id, LineAnswer.CONFIRMED))
            continue
        prefix = f"lines.{line_id}"
        try:
            answer = LineAnswer(str(entry.get("answer") or "confirmed").strip().lower())
        except ValueError:
            errors[f"{prefix}.answer"] = "Choose confirmed, backordered or cancelled."
            continue
        expected, reason = None, ""
        if answer is LineAnswer.BACKORDERED:
            expected = _expected_date(
                entry.get("expected_date"), today, f"{prefix}.expected_date", errors
            )
        elif answer is LineAnswer.CANCELLED:
            reason = " ".join(str(entry.get("reason") or "").split())
            if not reason:
                errors[f"{prefix}.reason"] = "Say why the line is cancelled."
            elif len(reason) > MAX_REASON_LENGTH:
                errors[f"{prefix}.reason"] = f"Use at most {MAX_REASON_LENGTH} characters."
            elif not is_clean_text(reason):
                errors[f"{prefix}.reason"] = "Remove the control characters."
        responses.append(LineResponse(line_id, answer, expected, reason))
    if errors:
        raise DomainValidationError(errors)
    return tuple(responses)
