"""The Reports page's figures against values computed by hand on a small data set, on SQLite
and PostgreSQL: vendor performance, order margins, weeks, on-time by month; CSV; charts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from app.adapters.charts import SvgCharts
from app.adapters.db import tables
from app.domain.money import Money
from app.domain.purchase_orders import POEvent, POLine, POStatus
from app.domain.reports import ReportQuery
from app.services.reports import export_report_csv, order_margin, reports_page
from app.services.vendors import save_vendor
from tests.builders import make_purchase_order

NOV = ReportQuery(date(2026, 11, 1), date(2026, 11, 30))


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def _line(n: str, quantity: int, cost: str, price: str | None) -> POLine:
    return POLine(
        f"line-{n}", f"SKU-{n}", f"V-{n}", "Shirt", "", quantity, Money(Decimal(cost), "EUR"),
        Money(Decimal(price), "EUR") if price else None,
    )  # fmt: skip


def _po(
    uow_factory, shop, vendor, n, lines, *, sent, events=(), status=None, due_days=None, ship=None
):
    po = make_purchase_order(
        number=f"{n}-1", order_number=str(n), saleor_order_id=f"order-{n}",
        vendor_id=vendor.id, vendor_name=vendor.name, lines=lines, created_at=sent,
    )  # fmt: skip
    po.mark_sent(actor="s", at=sent, via="email", lead_time_days=due_days or 0)
    po.events.extend(POEvent(at, "vendor", action) for action, at in events)
    if status is not None:
        po.status = status
    if ship is not None:  # the vendor's shipping charge on this PO
        po.shipping_cost = Money(Decimal(ship), "EUR")
    with uow_factory() as uow:
        stored = uow.purchase_orders.add(shop, po)
        uow.commit()
    return stored


def _shipment(engine, shop, po, at, quantities):
    with engine.begin() as connection:
        shipment_id = connection.execute(
            insert(tables.shipments)
            .values(
                installation_id=shop, purchase_order_id=po.id, saleor_order_id=po.saleor_order_id,
                tracking_numbers=["1Z"], split_by_package=False, source="widget",
                created_by="s", created_at=at, status="written", write_attempts=1,
                fulfillment_ids=[],
            )
            .returning(tables.shipments.c.id)
        ).scalar_one()  # fmt: skip
        for line_id, quantity in quantities.items():
            connection.execute(
                insert(tables.shipment_lines).values(
                    installation_id=shop, shipment_id=shipment_id, order_line_id=line_id,
                    quantity=quantity, package=1,
                )
            )  # fmt: skip


@pytest.fixture
def data(uow_factory, engine, shop, other_shop):
    def vendor(installation, code, name, lead):
        data = {"name": name, "code": code, "currency": "EUR", "emails_to": "v@v.test",
                "lead_time_days": str(lead)}  # fmt: skip
        return save_vendor(uow_factory, installation, data)

    acme, beta = vendor(shop, "A", "Acme", 3), vendor(shop, "B", "Beta", 0)
    po1 = _po(uow_factory, shop, acme, 1, [_line("1", 2, "10", "25")], sent=_at(2),
              events=[("acknowledged", _at(2, 12)), ("shipped", _at(4))], due_days=3,
              status=POStatus.SHIPPED)  # fmt: skip
    _shipment(engine, shop, po1, _at(4), {"line-1": 2})
    po2 = _po(uow_factory, shop, acme, 2, [_line("2a", 1, "30", "40"), _line("2b", 3, "5", "9")],
              sent=_at(3), events=[("acknowledged", _at(3, 14)), ("partially shipped", _at(8))],
              due_days=3, status=POStatus.PARTIALLY_SHIPPED, ship="4.50")  # fmt: skip
    _shipment(engine, shop, po2, _at(8), {"line-2a": 1, "line-2b": 1})
    _po(uow_factory, shop, acme, 3, [_line("3a", 1, "4", "5"), _line("3b", 1, "6", "8")],
        sent=_at(4), due_days=3, status=POStatus.CANCELLED)  # fmt: skip
    _po(uow_factory, shop, beta, 4, [_line("4", 1, "7", "7")], sent=_at(5))
    _po(uow_factory, shop, acme, 5, [_line("5", 1, "99", "99")], sent=_at(2) - timedelta(days=40),
        due_days=3)  # fmt: skip
    theirs = vendor(other_shop, "A", "Theirs", 3)
    _po(uow_factory, other_shop, theirs, 1, [_line("x", 5, "100", "1")], sent=_at(2), due_days=3)
    return shop, acme, beta


def test_vendor_performance_matches_the_hand_computed_figures(uow_factory, data):
    shop, acme, beta = data
    view = reports_page(uow_factory, SvgCharts(), shop, NOV)
    rows = {row.vendor_name: row for row in view.performance}
    assert set(rows) == {"Acme", "Beta"}
    a = rows["Acme"]
    assert (a.pos_sent, a.lines, a.cost) == (3, 5, Decimal("75.00"))
    assert (a.avg_hours_to_confirm, a.avg_hours_to_ship) == (3.0, 84.0)
    assert (a.due, a.on_time, a.on_time_rate) == (2, 1, Decimal("0.5"))
    assert (a.cancelled_lines, a.short_shipped_lines) == (2, 1)
    b = rows["Beta"]
    assert (b.pos_sent, b.lines, b.cost, b.due, b.on_time_rate) == (1, 1, Decimal("7.00"), 0, None)
    assert b.avg_hours_to_confirm is None


def test_order_margins_leave_cancelled_pos_out(uow_factory, data):
    shop, _, _ = data
    view = reports_page(uow_factory, SvgCharts(), shop, NOV)
    margins = {m.order_number: m for m in view.margins}
    assert set(margins) == {"1", "2", "4"}
    assert (margins["1"].revenue, margins["1"].cost, margins["1"].margin) == (
        Decimal("50.00"), Decimal("20.00"), Decimal("30.00"),
    )  # fmt: skip
    # order 2: 67.00 - 45.00 - 4.50 of shipping, counted once for its PO of two lines
    assert (margins["2"].shipping, margins["2"].margin) == (Decimal("4.50"), Decimal("17.50"))
    assert f"{margins['2'].margin_rate:.4f}" == "0.2612"
    assert margins["4"].margin_rate == 0
    [one] = order_margin(uow_factory, shop, "order-2")
    assert one.margin == Decimal("17.50")


def test_weeks_and_on_time_months(uow_factory, data):
    shop, _, _ = data
    view = reports_page(uow_factory, SvgCharts(), shop, NOV)
    assert [(w.week, w.pos, w.cost) for w in view.weeks] == [
        (date(2026, 11, 2), 4, Decimal("82.00"))
    ]
    assert [(m.vendor_name, m.month, m.due, m.on_time) for m in view.on_time] == [
        ("Acme", "2026-11", 2, 1)
    ]
    assert set(view.charts) == {"pos_per_week", "cost_per_week", "on_time"}


def test_a_vendor_filter_and_another_range(uow_factory, data):
    shop, acme, beta = data
    only_beta = reports_page(
        uow_factory, SvgCharts(), shop, ReportQuery(NOV.start, NOV.end, beta.id)
    )
    assert [row.vendor_name for row in only_beta.performance] == ["Beta"]
    october = reports_page(
        uow_factory, SvgCharts(), shop, ReportQuery(date(2026, 9, 1), date(2026, 10, 31))
    )
    assert [row.pos_sent for row in october.performance] == [1]
    assert october.charts.keys() >= {"pos_per_week"}


def test_each_table_exports_as_csv(uow_factory, data):
    shop, _, _ = data
    name, text = export_report_csv(uow_factory, shop, NOV, "vendors")
    assert name == "report-vendors-2026-11-01_2026-11-30.csv"
    acme = next(row for row in csv.DictReader(io.StringIO(text)) if row["vendor"] == "Acme")
    assert (acme["on_time_percent"], acme["avg_hours_to_ship"], acme["cost"]) == (
        "50.0",
        "84.0",
        "75.00",
    )
    _, orders = export_report_csv(uow_factory, shop, NOV, "orders")
    assert len(list(csv.DictReader(io.StringIO(orders)))) == 3


def test_charts_are_themed_svg_with_the_text_escaped():
    svg = SvgCharts().lines(
        "On time", ["2026-11"], {"<script>alert(1)</script>": [0.5]}, "on time", percent=True
    )
    assert svg.startswith("<svg") and 'aria-label="On time"' in svg
    assert "currentColor" in svg and "#123456" not in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
