"""A Saleor order cancelled after its POs were emailed: ORDER_CANCELLED, signed by the fake
Saleor, through the app, the inbox relay and a real Celery worker, becomes a CANCELLED notice
to each vendor at a real SMTP server, "cancellation requested" on the POs and notes in Saleor."""

from __future__ import annotations

from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_line, make_order
from tests.e2e.test_order_to_purchase_orders import _catalogue, _notes, _plan_rows, _wait


def test_cancelling_the_order_sends_each_vendor_a_cancellation(e2e, engine, mail_server):
    fake, live, app = e2e
    order = make_order(
        number="2042",
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
    _wait(lambda: len(mail_server.messages) >= 2, what="two PO emails")
    _wait(lambda: _statuses(engine) == ["sent", "sent"], what="both POs sent")

    fake.add_order({**fake.order(order["id"]), "status": "CANCELED"})  # cancelled by staff
    fake.send_event(app, "ORDER_CANCELLED", order_id=order["id"])

    notices = _wait(
        lambda: (
            [m for m in mail_server.messages if m.message["Subject"].startswith("CANCELLED:")]
            if len(mail_server.messages) >= 4
            else None
        ),
        what="two cancellation notices",
    )
    assert sorted(m.message["To"] for m in notices) == ["orders@beta.example", "po@acme.example"]
    first_ids = {m.message["Message-ID"] for m in mail_server.messages[:2]}
    assert not first_ids & {m.message["Message-ID"] for m in notices}  # a new revision each
    assert _statuses(engine) == ["cancel_requested", "cancel_requested"]
    _wait(
        lambda: len(_notes(fake, order["id"], "cancellation requested from")) == 2,
        what="the notes in Saleor",
    )


def _statuses(engine):
    with engine.connect() as connection:
        rows = connection.execute(select(tables.purchase_orders.c.status)).scalars().all()
    return sorted(rows)
