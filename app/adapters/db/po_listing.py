"""The PO list read from the database: filtered, sorted and keyset-paged in SQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, or_, select, tuple_, union

from app.adapters.db import tables
from app.adapters.db.utc import as_utc
from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.po_list import Cursor, POListFilter, POListPage, POListQuery, POListRow, POListSort
from app.domain.purchase_orders import AWAITING_SHIPMENT, POStatus

_PO = tables.purchase_orders
_LINES = tables.po_lines
_SORT_COLUMNS = {
    POListSort.NEWEST: _PO.c.created_at,
    POListSort.OLDEST: _PO.c.created_at,
    POListSort.NUMBER: _PO.c.number,
    POListSort.VENDOR: _PO.c.vendor_name,
}


def _late(now: datetime) -> ColumnElement[bool]:
    return and_(
        _PO.c.due_at < now, _PO.c.status.in_([status.value for status in AWAITING_SHIPMENT])
    )


def _conditions(
    installation_id: InstallationId, wanted: POListFilter, now: datetime
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_PO.c.installation_id == installation_id]
    if wanted.statuses:
        conditions.append(_PO.c.status.in_(sorted(status.value for status in wanted.statuses)))
    if wanted.vendor_id is not None:
        conditions.append(_PO.c.vendor_id == wanted.vendor_id)
    if wanted.created_from is not None:
        conditions.append(_PO.c.created_at >= datetime.combine(wanted.created_from, time(), UTC))
    if wanted.created_to is not None:
        end = datetime.combine(wanted.created_to + timedelta(days=1), time(), UTC)
        conditions.append(_PO.c.created_at < end)
    if wanted.late_only:
        conditions.append(_late(now))
    if wanted.needs_attention:
        waiting = [POStatus.SEND_FAILED.value, POStatus.CANCEL_REQUESTED.value]
        changed = and_(
            _PO.c.changes.is_not(None), _PO.c.status.in_([s.value for s in AWAITING_SHIPMENT])
        )
        conditions.append(or_(_PO.c.status.in_(waiting), _late(now), changed))
    if wanted.search:
        # Three indexed lookups united, not one OR across columns (which scans every PO).
        term = wanted.search.removeprefix("#")
        mine = _PO.c.installation_id == installation_id
        lines_mine = _LINES.c.installation_id == installation_id
        matching = union(
            select(_PO.c.id).where(mine, _PO.c.number == term),
            select(_PO.c.id).where(mine, _PO.c.order_number == term),
            select(_LINES.c.purchase_order_id).where(lines_mine, _LINES.c.sku == term),
            select(_LINES.c.purchase_order_id).where(lines_mine, _LINES.c.vendor_sku == term),
        )
        conditions.append(_PO.c.id.in_(matching))
    return conditions


def _cursor_value(sort: POListSort, cursor: Cursor) -> Any:
    if sort not in (POListSort.NEWEST, POListSort.OLDEST):
        return cursor.value
    try:
        return datetime.fromisoformat(cursor.value)
    except ValueError:
        raise DomainValidationError({"after": "This page link is not valid."}) from None


def _select(installation_id: InstallationId, query: POListQuery, now: datetime) -> Select[Any]:
    column = _SORT_COLUMNS[query.sort]  # a PO's total and line count are kept on its row
    statement = select(_PO).where(*_conditions(installation_id, query.filter, now))
    if query.after is not None:
        key = tuple_(column, _PO.c.id)
        value = tuple_(_cursor_value(query.sort, query.after), query.after.id)
        statement = statement.where(key < value if query.sort.descending else key > value)
    if query.sort.descending:
        return statement.order_by(column.desc(), _PO.c.id.desc())
    return statement.order_by(column.asc(), _PO.c.id.asc())


def _row(row: Any) -> POListRow:
    return POListRow(
        id=row.id,
        number=row.number,
        order_number=row.order_number,
        saleor_order_id=row.saleor_order_id,
        vendor_id=row.vendor_id,
        vendor_name=row.vendor_name,
        status=POStatus(row.status),
        currency=row.currency,
        total=f"{Decimal(row.cost_total or 0).quantize(Decimal('0.01'))}",
        line_count=int(row.line_count or 0),
        created_at=as_utc(row.created_at) or datetime.min.replace(tzinfo=UTC),
        sent_at=as_utc(row.sent_at),
        due_at=as_utc(row.due_at),
        failure_reason=row.failure_reason,
        changed_since_sent=row.changes is not None and POStatus(row.status) in AWAITING_SHIPMENT,
    )


def _cursor(sort: POListSort, row: POListRow) -> Cursor:
    value = {
        POListSort.NEWEST: row.created_at.isoformat(),
        POListSort.OLDEST: row.created_at.isoformat(),
        POListSort.NUMBER: row.number,
        POListSort.VENDOR: row.vendor_name,
    }[sort]
    return Cursor(value, row.id)


class SqlPurchaseOrderListing:
    """Pages of the shop's POs; every statement is bound to one installation."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def page(
        self, installation_id: InstallationId, query: POListQuery, now: datetime
    ) -> POListPage:
        statement = _select(installation_id, query, now).limit(query.page_size + 1)
        rows = [_row(row) for row in self._connection.execute(statement)]
        more = len(rows) > query.page_size
        rows = rows[: query.page_size]
        return POListPage(rows, _cursor(query.sort, rows[-1]) if more and rows else None)

    def rows(
        self, installation_id: InstallationId, query: POListQuery, now: datetime, limit: int
    ) -> Iterator[POListRow]:
        """Every matching row up to ``limit``, a page at a time (the CSV export)."""
        given = 0
        while given < limit:
            page = self.page(installation_id, query, now)
            for row in page.rows[: limit - given]:
                yield row
                given += 1
            if page.next_cursor is None:
                return
            query = POListQuery(query.filter, query.sort, page.next_cursor, query.page_size)
