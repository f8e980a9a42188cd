"""A signed ORDER_CREATED becomes a plan; the merchant's "Create PO(s) & Send" in the widget
becomes one email per vendor, with the PO as a PDF, at a real SMTP server; Saleor gets a note.

Through HTTP and a real Celery worker only; the catalogue (vendors, product vendors) is arranged
with the services, as the vendor pages would store it.
"""

from __future__ import annotations

import io
import time

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import select

from app.adapters.db import tables
from app.services.product_vendors import save_product_vendor
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.code128 import bars_in_pdf, decode_code128_bars
from tests.e2e.conftest import open_widget
from tests.gate import GO_AHEAD


@pytest.fixture
def shop(e2e):
    return e2e


def _wait(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def _catalogue(live, api_url, order):
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(api_url).id
    acme = save_vendor(
        uow_factory,
        installation_id,
        {
            "name": "Acme Supply",
            "code": "ACME",
            "currency": "USD",
            "emails_to": "po@acme.example",
            "lead_time_days": "1",
            "documents": "po_and_slip",
            "service_map": "Express Courier = UPS 01",
            "carrier_accounts": "UPS = 1234X5",
        },
    )
    beta = save_vendor(
        uow_factory,
        installation_id,
        {
            "name": "Beta Parts",
            "code": "BETA",
            "currency": "USD",
            "emails_to": "orders@beta.example",
            "emails_cc": "boss@beta.example",
        },
    )
    first, second = order["lines"]
    for vendor, line, cost in (
        (acme, first, "10.00"),
        (beta, first, "9.00"),
        (beta, second, "30.00"),
    ):
        save_product_vendor(
            uow_factory,
            installation_id,
            {
                "vendor_id": str(vendor.id),
                "product_id": line["variant"]["product"]["id"],
                "unit_cost": cost,
                "vendor_sku": f"{vendor.code}-{line['productSku']}",
            },
        )
    return acme, beta


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_order_to_po_emails_with_pdfs_and_a_note_in_saleor(shop, engine, mail_server):
    fake, live, app = shop
    order = make_order(
        number="1042",
        lines=[
            make_line(sku="SHIRT-M", quantity=2),
            make_line(sku="SHOE-39", quantity=1, price=90.0),
        ],
    )
    order["shippingMethodName"] = "Express Courier"
    order["created"] = "2026-12-04T16:00:00+00:00"  # a Friday: ship by Monday
    fake.add_order(order)
    _catalogue(live, fake.api_url, order)

    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    _wait(lambda: _plan_rows(engine), what="the plan")
    page, fields = open_widget(live, fake, app, order["id"])
    assert "SHIRT-M" in page and "Acme Supply" in page

    # the order is neither approved nor charged: the gate asks first, and nothing is written
    held = requests.post(
        f"{live.url}/widgets/order/purchase-orders",
        timeout=10,
        data={**fields, "orderId": order["id"], "send": "1"},
    )
    assert held.status_code == 409, held.text
    assert 'id="gate-dialog"' in held.text
    assert "not paid: nothing is authorised or charged of $180.00" in held.text
    assert _statuses(engine) == []
    # the merchant goes ahead on purpose, with a reason
    created = requests.post(
        f"{live.url}/widgets/order/purchase-orders",
        timeout=10,
        data={**fields, "orderId": order["id"], "send": "1", **GO_AHEAD},
    )
    assert created.status_code == 200, created.text
    messages = _wait(
        lambda: mail_server.messages if len(mail_server.messages) >= 2 else None,
        what="two PO emails",
    )

    by_recipient = {m.message["To"]: m for m in messages}
    assert sorted(by_recipient) == ["orders@beta.example", "po@acme.example"]
    acme_mail = by_recipient["po@acme.example"].message
    assert acme_mail["Subject"].startswith("Purchase order 1042-1")
    pdfs = {
        part.get_filename(): part
        for part in acme_mail.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }
    assert sorted(pdfs) == ["PO-1042-1.pdf", "PackingSlip-1042-1.pdf"]
    pdf, slip = pdfs["PO-1042-1.pdf"], pdfs["PackingSlip-1042-1.pdf"]
    text = _pdf_text(pdf.get_content())
    assert "1042-1" in text and "ACME-SHIRT-M" in text and "MOUNTAIN VIEW" in text
    flat = " ".join(text.split())
    assert "Service the customer chose Express Courier" in flat
    assert "Ship by 2026-12-07" in flat and "Ship on our UPS account 1234X5" in flat
    body = acme_mail.get_body(("plain",)).get_content()
    assert "Service the customer chose: Express Courier" in body
    assert "Ship by: 2026-12-07" in body
    assert decode_code128_bars(bars_in_pdf(slip.get_content())) == "1042-1"
    slip_text = " ".join(_pdf_text(slip.get_content()).split())
    assert "MOUNTAIN VIEW" in slip_text and "SHIRT-M" in slip_text
    assert "10.00" not in slip_text and "Acme" not in slip_text
    assert by_recipient["orders@beta.example"].message["Cc"] == "boss@beta.example"

    _wait(lambda: _statuses(engine) == ["sent", "sent"], what="both POs sent")
    notes = _wait(
        lambda: (found := _notes(fake, order["id"], "sent to")) and len(found) == 2 and found,
        what="two notes in Saleor",
    )
    assert sorted(notes) == [
        "PO 1042-1 sent to Acme Supply by email.",
        "PO 1042-2 sent to Beta Parts by email.",
    ]
    metadata = {m["key"]: m["value"] for m in fake.order(order["id"])["metadata"]}
    assert metadata["dropship.state"] == "In Process"

    again = requests.post(
        f"{live.url}/widgets/order/purchase-orders",
        timeout=10,
        data={
            **open_widget(live, fake, app, order["id"])[1],
            "orderId": order["id"],
            "send": "1",
        },
    )
    assert "already on a purchase order" in again.text
    time.sleep(1.0)
    assert len(mail_server.messages) == 2
    assert _statuses(engine) == ["sent", "sent"]


def _plan_rows(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.plan_lines)).all()


def _statuses(engine):
    with engine.connect() as connection:
        rows = connection.execute(
            select(tables.purchase_orders.c.status).order_by(tables.purchase_orders.c.sequence)
        )
        return [row[0] for row in rows]


def _notes(fake, order_id, containing):
    """Note lines in Saleor (one write-back may carry several lines)."""
    events = fake.order(order_id).get("events") or []
    lines = [
        line
        for e in events
        if e.get("type") == "NOTE_ADDED"
        for line in (e.get("message") or "").splitlines()
    ]
    return [line for line in lines if containing in line]
