"""What the Reports page shows: vendor performance, order margins and weekly figures.

The figures are summed by the database; these are the rows it answers, with the arithmetic
that turns sums into rates kept here, in one place, with the rules for "no data".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.domain.errors import DomainValidationError

MAX_RANGE_DAYS = 366 * 2
ORDER_ROWS = 200  # orders shown on the page; the CSV has every one


@dataclass(frozen=True)
class ReportQuery:
    """POs sent from ``start`` to ``end`` (whole UTC days), optionally of one vendor."""

    start: date
    end: date
    vendor_id: int | None = None


def parse_report_query(data: Mapping[str, str], today: date) -> ReportQuery:
    """``from``, ``to`` (default: the last 90 days) and ``vendor``; bounded to two years."""
    errors: dict[str, str] = {}

    def day(name: str, default: date) -> date:
        raw = (data.get(name) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = "Use a date like 2026-12-01."
            return default

    start, end = day("from", today - timedelta(days=89)), day("to", today)
    if start > end:
        errors["to"] = "The end date is before the start date."
    elif (end - start).days > MAX_RANGE_DAYS:
        errors["from"] = "Choose at most two years."
    vendor_id = None
    raw_vendor = (data.get("vendor") or "").strip()
    if raw_vendor:
        if raw_vendor.isdigit() and int(raw_vendor) < 2**31:
            vendor_id = int(raw_vendor)
        else:
            errors["vendor"] = "Choose a vendor from the list."
    if errors:
        raise DomainValidationError(errors)
    return ReportQuery(start, end, vendor_id)


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole, or None when there is nothing to divide (shown as "—", never 0 %)."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class VendorPerformance:
    vendor_id: int
    vendor_name: str
    currency: str
    pos_sent: int
    lines: int
    cost: Decimal
    avg_hours_to_confirm: float | None
    avg_hours_to_ship: float | None
    due: int  # POs whose promise came due (or that shipped) in the range
    on_time: int  # of those, fully shipped by their due date
    cancelled_lines: int
    short_shipped_lines: int

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.on_time, self.due)


@dataclass(frozen=True)
class OrderMargin:
    saleor_order_id: str
    order_number: str
    currency: str
    revenue: Decimal  # the customer's price of the drop-shipped quantities
    cost: Decimal  # the vendors' cost of them
    priced: bool  # every line had a price in the PO's currency
    shipping: Decimal = Decimal("0.00")  # the vendors' shipping charges on those POs

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost - self.shipping

    @property
    def margin_rate(self) -> Decimal | None:
        return ratio(self.margin, self.revenue) if self.priced else None


@dataclass(frozen=True)
class WeekFigures:
    week: date  # the Monday
    currency: str
    pos: int
    cost: Decimal


@dataclass(frozen=True)
class OnTimeMonth:
    vendor_name: str
    month: str  # YYYY-MM
    due: int
    on_time: int

    @property
    def rate(self) -> Decimal | None:
        return ratio(self.on_time, self.due)


@dataclass(frozen=True)
class ReportFigures:
    """The range's per-PO figures summed three ways (one pass over the range's POs)."""

    performance: list[VendorPerformance]
    weeks: list[WeekFigures]
    on_time: list[OnTimeMonth]
