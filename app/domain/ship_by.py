"""The ship-by date: the order date plus the vendor's handling days, counted in business days
(no Saturdays, Sundays or the shop's holidays)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from app.domain.errors import DomainValidationError

MAX_HOLIDAYS = 200
MAX_HANDLING_DAYS = 365


def is_business_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def ship_by_date(ordered_on: date, handling_days: int, holidays: Collection[date]) -> date:
    """The ``handling_days``-th business day after ``ordered_on``; with 0 handling days, the
    order date itself when it is a business day, else the next business day."""
    if not 0 <= handling_days <= MAX_HANDLING_DAYS:
        raise ValueError(f"handling days out of range: {handling_days}")
    day = ordered_on
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    remaining = handling_days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    return day


def clean_holidays(text: str) -> tuple[date, ...]:
    """Dates as YYYY-MM-DD, separated by commas, spaces or lines; sorted, without repeats."""
    words = text.replace(",", " ").replace(";", " ").split()
    if len(words) > MAX_HOLIDAYS:
        raise DomainValidationError(
            {"holidays": f"List at most {MAX_HOLIDAYS} dates (the coming year or two)."}
        )
    days: set[date] = set()
    bad: list[str] = []
    for word in words:
        try:
            days.add(date.fromisoformat(word))
        except ValueError:
            bad.append(word[:20])
    if bad:
        shown = ", ".join(bad[:5])
        raise DomainValidationError({"holidays": f"Not a date as YYYY-MM-DD: {shown}."})
    return tuple(sorted(days))


def holidays_text(days: Collection[date]) -> str:
    return "\n".join(day.isoformat() for day in sorted(days))
