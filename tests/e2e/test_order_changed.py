"""A Saleor order whose shipping address changed after its PO was emailed: ORDER_UPDATED, signed
by the fake Saleor, through the app, the inbox relay and a real Celery worker, flags the PO
"changed since sent" with the difference; "Send update" in the widget (over HTTP) emails the
vendor the amended PO, revision 2, with the change at the top (ADR 21)."""

from __future__ import annotations

import io

import requests
from pypdf import PdfReader
from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_address, make_line, make_order
from tests.e2e.conftest import open_widget
from tests.e2e.test_order_to_purchase_orders import _catalogue, _notes, _plan_rows, _wait


def test_an_address_change_gets_the_vendor_an_amended_po(e2e, engine, mail_server):
    fake, live, app = e2e
    order = make_order(
        number="2077",
        lines=[make_line(sku="SHIRT-M", quantity=2), make_line(sku="SHOE-39", quantity=1)],
    )
    fake.add_order(order)
    _catalogue(live, fake.api_url, order)
    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    _wait(lambda: _plan_rows(engine), what="the plan")
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    live.container.use_cases.create_purchase_orders(
        installation_id=installation_id,
        order_id=order["id"],
        actor="staff@shop.test",
        send=True,
        go_ahead_reason="a regular customer: ship before the charge",  # past the gate
    )
    _wait(lambda: len(mail_server.messages) >= 2, what="the PO emails")
    _wait(lambda: [r.revision for r in _po_rows(engine)] == [1, 1], what="the POs sent")
    [first] = [m.message for m in mail_server.messages if m.message["To"] == "po@acme.example"]

    # staff correct the street in the dashboard: Saleor sends ORDER_UPDATED
    moved = make_address(streetAddress1="500 Terry Francine St", postalCode="94158")
    fake.add_order(
        {
            **fake.order(order["id"]),
            "shippingAddress": moved,
            "updatedAt": "2026-11-30T09:00:00+00:00",
        }
    )
    fake.send_event(app, "ORDER_UPDATED", order_id=order["id"])

    _wait(lambda: _po_rows(engine)[0].changes is not None, what="Acme's PO flagged")
    assert _po_rows(engine)[1].changes is not None  # Beta's PO has the old address too
    page, fields = open_widget(live, fake, app, order["id"])
    assert "Changed since sent" in page
    assert "Ship-to street: 1600 Amphitheatre Parkway → 500 Terry Francine St" in page
    assert "Ship-to postal code: 94043 → 94158" in page
    _wait(
        lambda: len(_notes(fake, order["id"], "changed since sent")) == 2,
        what="the change noted in Saleor",
    )
    po_id = _po_rows(engine)[0].id

    answer = requests.post(
        f"{live.url}/widgets/order/purchase-orders/{po_id}/send-update", timeout=10, data=fields
    )

    assert answer.status_code == 200, answer.text
    amended = _wait(
        lambda: len(mail_server.messages) >= 3 and mail_server.messages[2].message,
        what="the amended PO email",
    )
    assert amended["To"] == "po@acme.example"
    assert amended["Subject"] == f"AMENDED — revision 2: {first['Subject']}"
    assert amended["Message-ID"] != first["Message-ID"]
    body = amended.get_body(("plain",)).get_content()
    assert body.startswith("AMENDED — revision 2 of purchase order 2077-1:")
    assert "  - Ship-to street: 1600 Amphitheatre Parkway → 500 Terry Francine St\n" in body
    pdfs = {
        part.get_filename(): part.get_content()
        for part in amended.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }
    assert "PO-2077-1-AMENDED-r2.pdf" in pdfs
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(pdfs["PO-2077-1-AMENDED-r2.pdf"])).pages
    )
    flat = " ".join(text.split())
    assert "AMENDED — revision 2" in flat and "SHIP TO (CHANGED)" in flat.upper()
    assert "500 Terry Francine St" in flat
    row = _wait(lambda: (r := _po_rows(engine)[0]).revision == 2 and r, what="revision 2 recorded")
    assert (row.status, row.changes, row.amended_revision) == ("sent", None, 2)

    # the same ORDER_UPDATED again (the order now matches the PO): nothing is flagged again
    fake.send_event(app, "ORDER_UPDATED", order_id=order["id"])
    _wait(lambda: _all_processed(engine), what="the second delivery processed")
    assert _po_rows(engine)[0].changes is None
    assert len(mail_server.messages) == 3
    assert _po_rows(engine)[1].changes is not None  # Beta's update is not sent yet


def _po_rows(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(tables.purchase_orders).order_by(tables.purchase_orders.c.sequence)
        ).all()


def _all_processed(engine):
    with engine.connect() as connection:
        statuses = connection.execute(select(tables.webhook_deliveries.c.status)).scalars().all()
    return statuses and all(status != "received" for status in statuses)
