"""The Reports page's figures against values computed by hand on a small data set, on SQLite
and PostgreSQL: vendor performance, order margins, weeks, on-time by month; CSV; charts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.adapters.charts import SvgCharts
from app.domain.money import Money
from app.domain.purchase_orders import POEvent, POLine, POStatus
from app.domain.reports import ReportQuery
from app.domain.shipments import Shipment, ShipmentLine, ShipmentStatus
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


def _shipment(uow_factory, shop, po, at, quantities):
    """Through the repository, which keeps the PO's shipping figures as a shipment is stored."""
    shipment = Shipment(
        purchase_order_id=po.id, saleor_order_id=po.saleor_order_id, tracking_numbers=("1Z",),
        lines=[ShipmentLine(line_id, quantity, 1) for line_id, quantity in quantities.items()],
        created_by="s", created_at=at, status=ShipmentStatus.WRITTEN, write_attempts=1,
    )  # fmt: skip
    with uow_factory() as uow:
        uow.shipments.add(shop, shipment)
        uow.commit()


@pytest.fixture
def data(uow_factory, shop, other_shop):
    def vendor(installation, code, name, lead):
        data = {"name": name, "code": code, "currency": "EUR", "emails_to": "v@v.test",
                "lead_time_days": str(lead)}  # fmt: skip
        return save_vendor(uow_factory, installation, data)

    acme, beta = vendor(shop, "A", "Acme", 3), vendor(shop, "B", "Beta", 0)
    po1 = _po(uow_factory, shop, acme, 1, [_line("1", 2, "10", "25")], sent=_at(2),
              events=[("acknowledged", _at(2, 12)), ("shipped", _at(4))], due_days=3,
              status=POStatus.SHIPPED)  # fmt: skip
    _shipment(uow_factory, shop, po1, _at(4), {"line-1": 2})
    po2 = _po(uow_factory, shop, acme, 2, [_line("2a", 1, "30", "40"), _line("2b", 3, "5", "9")],
              sent=_at(3), events=[("acknowledged", _at(3, 14)), ("partially shipped", _at(8))],
              due_days=3, status=POStatus.PARTIALLY_SHIPPED, ship="4.50")  # fmt: skip
    _shipment(uow_factory, shop, po2, _at(8), {"line-2a": 1, "line-2b": 1})
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


def test_a_cancelled_or_completing_shipment_updates_the_figures_kept_on_the_po(uow_factory, data):
    shop, _, _ = data
    with uow_factory() as uow:
        [po2] = [po for po in uow.purchase_orders.list_for_order(shop, "order-2")]
        [shipment] = uow.shipments.list_for_order(shop, "order-2")
    _shipment(uow_factory, shop, po2, _at(9), {"line-2b": 2})  # line 2b now shipped in full

    acme = _acme(uow_factory, shop)
    assert (acme.short_shipped_lines, acme.avg_hours_to_ship) == (0, 84.0)  # first shipment kept

    shipment.status = ShipmentStatus.CANCELLED  # the first shipment of PO 2 is taken back
    with uow_factory() as uow:
        uow.shipments.save(shop, shipment)
        uow.commit()

    acme = _acme(uow_factory, shop)
    # PO 2 keeps 2 of line 2b's 3 (short) and none of 2a (not short); first shipment on day 9
    assert (acme.short_shipped_lines, acme.avg_hours_to_ship) == (1, (48.0 + 144.0) / 2)


def test_a_po_with_an_unpriced_line_is_not_priced_in_the_margins(uow_factory, data):
    shop, acme, _ = data
    _po(uow_factory, shop, acme, 6, [_line("6a", 1, "5", "9"), _line("6b", 1, "5", None)],
        sent=_at(6))  # fmt: skip

    margins = {m.order_number: m for m in reports_page(uow_factory, SvgCharts(), shop, NOV).margins}

    assert (margins["6"].priced, margins["6"].revenue, margins["6"].cost) == (
        False, Decimal("9.00"), Decimal("10.00"),
    )  # fmt: skip
    assert margins["1"].priced


def _acme(uow_factory, shop):
    view = reports_page(uow_factory, SvgCharts(), shop, NOV)
    return next(row for row in view.performance if row.vendor_name == "Acme")
