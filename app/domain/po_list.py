"""The shop's list of purchase orders: filters, sort orders and keyset paging.

A page is read "after" a cursor, the last row's sort value and id, so a deep page costs what
the first costs (no OFFSET). The query is checked here, once, from what the merchant typed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from app.domain.errors import DomainValidationError
from app.domain.purchase_orders import POStatus, days_late

PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 100
MAX_CURSOR_LENGTH = 1024  # a 120-character vendor name in 4-byte UTF-8, in base64, fits
MAX_BULK = 200  # POs one bulk action may touch
EXPORT_LIMIT = 100_000  # rows of one CSV export


class POListSort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    NUMBER = "number"
    VENDOR = "vendor"

    @property
    def label(self) -> str:
        return {
            "newest": "Newest first",
            "oldest": "Oldest first",
            "number": "PO number",
            "vendor": "Vendor",
        }[self.value]

    @property
    def descending(self) -> bool:
        return self is POListSort.NEWEST


@dataclass(frozen=True)
class POListFilter:
    """Which POs: every field narrows the list; an empty filter is every PO of the shop."""

    statuses: frozenset[POStatus] = frozenset()
    vendor_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    late_only: bool = False
    needs_attention: bool = False
    search: str = ""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row's sort value (as text) and id."""

    value: str
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.value, self.id], separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor a page link carried; anything else is refused as the bad input it is."""
        if len(token) > MAX_CURSOR_LENGTH:
            raise DomainValidationError({"after": "This page link is not valid."})
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            value, row_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError):
            raise DomainValidationError({"after": "This page link is not valid."}) from None
        if not isinstance(value, str) or not isinstance(row_id, int) or row_id < 1:
            raise DomainValidationError({"after": "This page link is not valid."})
        return cls(value, row_id)


@dataclass(frozen=True)
class POListQuery:
    filter: POListFilter = field(default_factory=POListFilter)
    sort: POListSort = POListSort.NEWEST
    after: Cursor | None = None
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class POListRow:
    """One PO as the list shows it (no lines: their count and total are summed by the database)."""

    id: int
    number: str
    order_number: str
    saleor_order_id: str
    vendor_id: int
    vendor_name: str
    status: POStatus
    currency: str
    total: str
    line_count: int
    created_at: datetime
    sent_at: datetime | None
    due_at: datetime | None
    failure_reason: str | None
    changed_since_sent: bool = False  # the order changed after the PO was sent (ADR 21)

    def days_late(self, now: datetime) -> int:
        return days_late(self.status, self.due_at, now)

    @property
    def needs_attention(self) -> bool:
        """Waiting on the merchant: a failed send, a cancellation to confirm, an order changed
        since the PO was sent (or late)."""
        waiting = self.status in (POStatus.SEND_FAILED, POStatus.CANCEL_REQUESTED)
        return waiting or self.changed_since_sent


@dataclass(frozen=True)
class POListPage:
    rows: list[POListRow]
    next_cursor: Cursor | None


def _date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Use a date like 2026-12-01."
        return None


def parse_po_list_query(data: Mapping[str, str | list[str]]) -> POListQuery:
    """The list's query from a form: ``status`` (repeatable), ``vendor``, ``from``, ``to``,
    ``late``, ``attention``, ``q``, ``sort`` and ``after`` (a page link's cursor)."""
    errors: dict[str, str] = {}

    def one(name: str) -> str:
        value = data.get(name, "")
        return (value[0] if value else "") if isinstance(value, list) else value.strip()

    raw_statuses = data.get("status", [])
    statuses: set[POStatus] = set()
    for raw in [raw_statuses] if isinstance(raw_statuses, str) else raw_statuses:
        if not raw.strip():
            continue
        try:
            statuses.add(POStatus(raw.strip()))
        except ValueError:
            errors["status"] = "Choose a status from the list."
    vendor_id = None
    if one("vendor"):
        try:
            vendor_id = int(one("vendor"))
        except ValueError:
            errors["vendor"] = "Choose a vendor from the list."
    created_from = _date(one("from"), "from", errors)
    created_to = _date(one("to"), "to", errors)
    if created_from and created_to and created_from > created_to:
        errors["to"] = "The end date is before the start date."
    search = one("q")
    if len(search) > MAX_SEARCH_LENGTH:
        errors["q"] = f"Search for at most {MAX_SEARCH_LENGTH} characters."
    try:
        sort = POListSort(one("sort") or POListSort.NEWEST.value)
    except ValueError:
        errors["sort"] = "Choose a sort order from the list."
        sort = POListSort.NEWEST
    after = None
    if one("after"):
        try:
            after = Cursor.decode(one("after"))
        except DomainValidationError as error:
            errors.update(error.errors)
    if errors:
        raise DomainValidationError(errors)
    flags = {"1", "on", "true", "yes"}
    return POListQuery(
        filter=POListFilter(
            statuses=frozenset(statuses),
            vendor_id=vendor_id,
            created_from=created_from,
            created_to=created_to,
            late_only=one("late").lower() in flags,
            needs_attention=one("attention").lower() in flags,
            search=search,
        ),
        sort=sort,
        after=after,
    )


def query_parameters(query: POListQuery, *, after: Cursor | None = None) -> list[tuple[str, str]]:
    """The form values that give ``query`` back (for page links and the CSV export)."""
    current = query.filter
    pairs = [("status", status.value) for status in sorted(current.statuses)]
    if current.vendor_id is not None:
        pairs.append(("vendor", str(current.vendor_id)))
    if current.created_from:
        pairs.append(("from", current.created_from.isoformat()))
    if current.created_to:
        pairs.append(("to", current.created_to.isoformat()))
    if current.late_only:
        pairs.append(("late", "1"))
    if current.needs_attention:
        pairs.append(("attention", "1"))
    if current.search:
        pairs.append(("q", current.search))
    if query.sort is not POListSort.NEWEST:
        pairs.append(("sort", query.sort.value))
    if after is not None:
        pairs.append(("after", after.encode()))
    return pairs
