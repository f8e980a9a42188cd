"""The Reports page: vendor performance, order margins and charts for a date range, each table
also as CSV; and one order's margin for its widget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from app.domain.installations import InstallationId
from app.domain.reports import (
    ORDER_ROWS,
    OnTimeMonth,
    OrderMargin,
    ReportQuery,
    VendorPerformance,
    WeekFigures,
)
from app.domain.spreadsheets import csv_text
from app.domain.vendors import Vendor
from app.errors import Invalid
from app.services.unit_of_work import UnitOfWorkFactory

CHART_VENDORS = 6  # vendors drawn in the on-time chart (most POs first)


class ChartRenderer(Protocol):
    def bars(
        self, title: str, labels: list[str], series: dict[str, list[float]], y_label: str
    ) -> str: ...

    def lines(
        self,
        title: str,
        labels: list[str],
        series: dict[str, list[float | None]],
        y_label: str,
        percent: bool = False,
    ) -> str: ...


@dataclass(frozen=True)
class ReportsView:
    query: ReportQuery
    vendors: list[Vendor]
    performance: list[VendorPerformance]
    margins: list[OrderMargin]
    more_orders: bool
    weeks: list[WeekFigures]
    on_time: list[OnTimeMonth]
    charts: dict[str, str]  # name -> SVG


def _now() -> datetime:
    return datetime.now(UTC)


def reports_page(
    uow_factory: UnitOfWorkFactory,
    charts: ChartRenderer,
    installation_id: InstallationId,
    query: ReportQuery,
) -> ReportsView:
    now = _now()
    with uow_factory() as uow:
        figures = uow.reports.figures(installation_id, query, now)  # the POs summed once
        performance, weeks, on_time = figures.performance, figures.weeks, figures.on_time
        margins = list(uow.reports.order_margins(installation_id, query, ORDER_ROWS + 1))
        vendors = uow.vendors.list(installation_id)
    drawn = _charts(charts, query, performance, weeks, on_time)
    return ReportsView(
        query,
        vendors,
        performance,
        margins[:ORDER_ROWS],
        len(margins) > ORDER_ROWS,
        weeks,
        on_time,
        drawn,
    )


def _mondays(query: ReportQuery) -> list[date]:
    first = query.start - timedelta(days=query.start.weekday())
    return [first + timedelta(weeks=n) for n in range((query.end - first).days // 7 + 1)]


def _charts(
    charts: ChartRenderer,
    query: ReportQuery,
    performance: list[VendorPerformance],
    weeks: list[WeekFigures],
    on_time: list[OnTimeMonth],
) -> dict[str, str]:
    if not weeks:
        return {}
    mondays = _mondays(query)
    labels = [monday.strftime("%d %b") for monday in mondays]
    currencies = sorted({week.currency for week in weeks})
    pos = {monday: 0 for monday in mondays}
    cost: dict[str, dict[date, float]] = {c: dict.fromkeys(mondays, 0.0) for c in currencies}
    for week in weeks:
        pos[week.week] = pos.get(week.week, 0) + week.pos
        cost[week.currency][week.week] = float(week.cost)
    drawn = {
        "pos_per_week": charts.bars(
            "POs sent per week", labels, {"POs": [float(pos[m]) for m in mondays]}, "POs"
        ),
        "cost_per_week": charts.bars(
            "Vendor cost per week",
            labels,
            {c: [cost[c][m] for m in mondays] for c in currencies},
            "cost",
        ),
    }
    if on_time:
        months = sorted({month.month for month in on_time})
        busiest = [row.vendor_name for row in sorted(performance, key=lambda r: -r.pos_sent)]
        shown = [name for name in dict.fromkeys(busiest)][:CHART_VENDORS]
        rates: dict[str, list[float | None]] = {name: [None] * len(months) for name in shown}
        for month in on_time:
            if month.vendor_name in rates and month.rate is not None:
                rates[month.vendor_name][months.index(month.month)] = float(month.rate)
        drawn["on_time"] = charts.lines(
            "On-time rate per vendor (by due month)", months, rates, "on time", percent=True
        )
    return drawn


def order_margin(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> list[OrderMargin]:
    """The order's drop-ship margin (one row per currency of its POs) for its widget."""
    with uow_factory() as uow:
        return uow.reports.order_margin(installation_id, order_id)


def _rate(value: Decimal | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def export_report_csv(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, query: ReportQuery, table: str
) -> tuple[str, str]:
    """(file name, CSV) of one table of the page: ``vendors``, ``orders`` (every order) or
    ``weeks``."""
    now = _now()
    period = f"{query.start.isoformat()}_{query.end.isoformat()}"
    with uow_factory() as uow:
        header: tuple[str, ...]
        if table == "vendors":
            header = (
                "vendor", "currency", "pos_sent", "lines", "cost", "avg_hours_to_confirm",
                "avg_hours_to_ship", "pos_due", "on_time", "on_time_percent", "cancelled_lines",
                "short_shipped_lines",
            )  # fmt: skip
            rows: list[tuple[object, ...]] = [
                (
                    r.vendor_name,
                    r.currency,
                    r.pos_sent,
                    r.lines,
                    r.cost,
                    _hours(r.avg_hours_to_confirm),
                    _hours(r.avg_hours_to_ship),
                    r.due,
                    r.on_time,
                    _rate(r.on_time_rate),
                    r.cancelled_lines,
                    r.short_shipped_lines,
                )
                for r in uow.reports.vendor_performance(installation_id, query, now)
            ]
        elif table == "orders":
            header = (
                "order_number", "currency", "revenue", "cost", "shipping", "margin",
                "margin_percent",
            )  # fmt: skip
            rows = [
                (
                    m.order_number,
                    m.currency,
                    m.revenue,
                    m.cost,
                    m.shipping,
                    m.margin,
                    _rate(m.margin_rate),
                )
                for m in uow.reports.order_margins(installation_id, query, None)
            ]
        elif table == "weeks":
            header = ("week", "currency", "pos_sent", "cost")
            rows = [
                (w.week.isoformat(), w.currency, w.pos, w.cost)
                for w in uow.reports.weeks(installation_id, query)
            ]
        else:
            raise Invalid("Choose vendors, orders or weeks.")
    return f"report-{table}-{period}.csv", csv_text(header, rows)
