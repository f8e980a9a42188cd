"""The Reports page's figures, aggregated by the database (SQLite and PostgreSQL).

Every statement is bound to one installation and to POs sent in the query's range. Durations and
calendar buckets differ by dialect: ``_seconds`` and ``_bucket`` spell them for each.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    null,
    select,
    text,
    union_all,
)

from app.adapters.db import tables
from app.domain.installations import InstallationId
from app.domain.purchase_orders import POStatus
from app.domain.reports import (
    OnTimeMonth,
    OrderMargin,
    ReportFigures,
    ReportQuery,
    VendorPerformance,
    WeekFigures,
)

_PO = tables.purchase_orders


def _range(query: ReportQuery) -> tuple[datetime, datetime]:
    start = datetime.combine(query.start, time(), UTC)
    return start, datetime.combine(query.end + timedelta(days=1), time(), UTC)


class SqlReports:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgres = connection.dialect.name == "postgresql"

    def _tune_transaction(self) -> None:
        """PostgreSQL compiles a statement this costly with LLVM first (JIT: 250-600 ms for
        these, more than the compiled code saves on a 100,000-PO year): not for this
        transaction, a read of the reports. And it sorts a year's 100,000 POs on disk at the
        default 4 MB of ``work_mem`` (9 MB spilled): this transaction gets 32 MB."""
        if self._postgres:
            self._connection.execute(text("SET LOCAL jit = off"))
            self._connection.execute(text("SET LOCAL work_mem = '32MB'"))

    def _seconds(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        if self._postgres:
            return extract("epoch", later - earlier)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def _bucket(self, moment: Any, unit: str) -> ColumnElement[Any]:
        """The Monday of the week (``week``) or ``YYYY-MM`` (``month``), as text."""
        if self._postgres:
            if unit == "week":
                return func.to_char(func.date_trunc("week", moment), "YYYY-MM-DD")
            return func.to_char(moment, "YYYY-MM")
        if unit == "week":  # SQLite: 6 days back, then forward to a Monday (or stay on one)
            return func.date(moment, "-6 days", "weekday 1")
        return func.strftime("%Y-%m", moment)

    def _sent_pos(self, installation_id: InstallationId, query: ReportQuery) -> Select[Any]:
        """POs sent in the range, each with its figures (kept on its row as it is written,
        0020): one read of the POs, no line, event or shipment."""
        start, end = _range(query)
        conditions = [
            _PO.c.installation_id == installation_id,
            _PO.c.sent_at >= start,
            _PO.c.sent_at < end,
        ]
        if query.vendor_id is not None:
            conditions.append(_PO.c.vendor_id == query.vendor_id)
        return select(
            _PO.c.id,
            _PO.c.vendor_id,
            _PO.c.vendor_name,
            _PO.c.currency,
            _PO.c.status,
            _PO.c.sent_at,
            _PO.c.due_at,
            _PO.c.line_count.label("lines"),
            _PO.c.cost_total.label("cost"),
            func.coalesce(_PO.c.short_lines, 0).label("short_lines"),
            _PO.c.acknowledged_at,
            _PO.c.shipped_at,
            _PO.c.first_shipment_at,
        ).where(*conditions)

    @staticmethod
    def _came_due(po: CTE, now: datetime) -> ColumnElement[bool]:
        """The vendor's promise is judged: it shipped, or its due date passed (a PO cancelled
        before either is not judged)."""
        return and_(
            po.c.due_at.is_not(None),
            po.c.status != POStatus.CANCELLED.value,
            po.c.shipped_at.is_not(None) | (po.c.due_at < now),
        )

    def figures(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> ReportFigures:
        """The vendor table, the weeks and the on-time months in one statement: the range's
        per-PO summary is one CTE (computed once, materialised by PostgreSQL because three
        branches read it) summed three ways by a UNION ALL."""
        po = self._sent_pos(installation_id, query).cte("sent_pos")
        came_due = self._came_due(po, now)
        on_time = and_(came_due, po.c.shipped_at <= po.c.due_at)
        cancelled = po.c.status == POStatus.CANCELLED.value
        week = self._bucket(po.c.sent_at, "week")
        month = self._bucket(po.c.due_at, "month")
        vendors = select(
            literal("vendor").label("kind"),
            po.c.vendor_id,
            func.min(po.c.vendor_name).label("vendor_name"),
            po.c.currency,
            _null(String).label("bucket"),
            func.count().label("pos"),
            func.sum(po.c.lines).label("lines"),
            func.sum(po.c.cost).label("cost"),
            func.avg(cast(self._seconds(po.c.acknowledged_at, po.c.sent_at), Float)).label(
                "confirm_seconds"
            ),
            func.avg(cast(self._seconds(po.c.first_shipment_at, po.c.sent_at), Float)).label(
                "ship_seconds"
            ),
            func.sum(case((came_due, 1), else_=0)).label("due"),
            func.sum(case((on_time, 1), else_=0)).label("on_time"),
            func.sum(case((cancelled, po.c.lines), else_=0)).label("cancelled_lines"),
            func.sum(po.c.short_lines).label("short_lines"),
        ).group_by(po.c.vendor_id, po.c.currency)
        weeks = select(
            literal("week"),
            _null(Integer),
            _null(String),
            po.c.currency,
            week,
            func.count(),
            _null(Integer),
            func.sum(po.c.cost),
            _null(Float),
            _null(Float),
            _null(Integer),
            _null(Integer),
            _null(Integer),
            _null(Integer),
        ).group_by(week, po.c.currency)
        months = (
            select(
                literal("month"),
                po.c.vendor_id,
                func.min(po.c.vendor_name),
                _null(String),
                month,
                _null(Integer),
                _null(Integer),
                _null(Numeric),
                _null(Float),
                _null(Float),
                func.count(),
                func.sum(case((po.c.shipped_at <= po.c.due_at, 1), else_=0)),
                _null(Integer),
                _null(Integer),
            )
            .where(came_due)
            .group_by(po.c.vendor_id, month)
        )
        self._tune_transaction()
        rows = self._connection.execute(union_all(vendors, weeks, months)).all()
        return ReportFigures(
            performance=sorted(
                (_performance(row) for row in rows if row.kind == "vendor"),
                key=lambda r: (r.vendor_name, r.vendor_id, r.currency),
            ),
            weeks=sorted(
                (
                    WeekFigures(
                        week=date.fromisoformat(str(row.bucket)[:10]),
                        currency=row.currency,
                        pos=int(row.pos),
                        cost=Decimal(row.cost or 0).quantize(Decimal("0.01")),
                    )
                    for row in rows
                    if row.kind == "week"
                ),
                key=lambda w: (w.week, w.currency),
            ),
            on_time=sorted(
                (
                    OnTimeMonth(
                        row.vendor_name, str(row.bucket), int(row.due), int(row.on_time or 0)
                    )
                    for row in rows
                    if row.kind == "month"
                ),
                key=lambda m: (m.vendor_name, m.month),
            ),
        )

    def vendor_performance(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> list[VendorPerformance]:
        return self.figures(installation_id, query, now).performance

    def order_margins(
        self, installation_id: InstallationId, query: ReportQuery, limit: int | None
    ) -> Iterator[OrderMargin]:
        """Per order, the drop-shipped lines of its POs sent in the range (cancelled POs left
        out): what the customer paid for them and what the vendors charge; newest first."""
        start, end = _range(query)
        conditions = [_PO.c.sent_at >= start, _PO.c.sent_at < end]
        if query.vendor_id is not None:
            conditions.append(_PO.c.vendor_id == query.vendor_id)
        return self._margins(installation_id, conditions, limit)

    def order_margin(self, installation_id: InstallationId, order_id: str) -> list[OrderMargin]:
        """The order's margin over all its POs that are not cancelled (one row per currency)."""
        return list(self._margins(installation_id, [_PO.c.saleor_order_id == order_id], None))

    def _margins(
        self,
        installation_id: InstallationId,
        conditions: list[ColumnElement[bool]],
        limit: int | None,
    ) -> Iterator[OrderMargin]:
        # Each PO's revenue, cost and whether every line had the customer's price are kept on
        # its row (0020), so a PO's shipping charge counts once and no line is read.
        statement = (
            select(
                _PO.c.saleor_order_id,
                func.min(_PO.c.order_number).label("order_number"),
                _PO.c.currency,
                func.sum(_PO.c.revenue_total).label("revenue"),
                func.sum(_PO.c.cost_total).label("cost"),
                func.sum(func.coalesce(_PO.c.shipping_cost, 0)).label("shipping"),
                func.min(case((_PO.c.all_priced, 1), else_=0)).label("all_priced"),
            )
            .where(
                _PO.c.installation_id == installation_id,
                _PO.c.status != POStatus.CANCELLED.value,
                *conditions,
            )
            .group_by(_PO.c.saleor_order_id, _PO.c.currency)
            .order_by(func.max(_PO.c.sent_at).desc(), _PO.c.saleor_order_id)
        )
        if limit is not None:
            statement = statement.limit(limit)
        self._tune_transaction()
        for row in self._connection.execute(statement):
            yield OrderMargin(
                saleor_order_id=row.saleor_order_id,
                order_number=row.order_number,
                currency=row.currency,
                revenue=Decimal(row.revenue or 0).quantize(Decimal("0.01")),
                cost=Decimal(row.cost or 0).quantize(Decimal("0.01")),
                priced=bool(row.all_priced),
                shipping=Decimal(row.shipping or 0).quantize(Decimal("0.01")),
            )

    def weeks(self, installation_id: InstallationId, query: ReportQuery) -> list[WeekFigures]:
        return self.figures(installation_id, query, datetime.now(UTC)).weeks

    def on_time_by_month(
        self, installation_id: InstallationId, query: ReportQuery, now: datetime
    ) -> list[OnTimeMonth]:
        return self.figures(installation_id, query, now).on_time


def _null(kind: Any) -> ColumnElement[Any]:
    """A typed NULL: the UNION's branches agree on each column's type."""
    return cast(null(), kind)


def _performance(row: Any) -> VendorPerformance:
    return VendorPerformance(
        vendor_id=row.vendor_id,
        vendor_name=row.vendor_name,
        currency=row.currency,
        pos_sent=int(row.pos),
        lines=int(row.lines or 0),
        cost=Decimal(row.cost or 0).quantize(Decimal("0.01")),
        avg_hours_to_confirm=_hours(row.confirm_seconds),
        avg_hours_to_ship=_hours(row.ship_seconds),
        due=int(row.due or 0),
        on_time=int(row.on_time or 0),
        cancelled_lines=int(row.cancelled_lines or 0),
        short_shipped_lines=int(row.short_lines or 0),
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 1)
