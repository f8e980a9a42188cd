"""Automatic order processing end to end: a signed ORDER_CREATED for a paid, low-risk order of a
tier-3 shop becomes a reviewed, approved order and a PO emailed to the vendor, then Complete once
tracking is recorded, with no request from the merchant; held orders say why and send nothing;
a shop without the module gets none of it. A real Celery worker, the fake Saleor, real SMTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.adapters.db import tables
from app.services.billing import set_tier
from app.services.product_vendors import save_product_vendor
from app.services.shipments import record_shipment
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import wait_until, worker_idle
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

UPS = "1Z999AA10123456784"


@pytest.fixture(autouse=True)
def _worker_done_before_cleanup(e2e, engine, worker):
    """Automatic runs queue more runs (after a review, a charge, a shipment): the session's
    worker must have finished them before the next test empties the tables (a run still
    writing then deadlocked the clean-up on PostgreSQL and left rows to the next test)."""
    yield
    wait_until(lambda: worker_idle(engine, worker), timeout=60, what="the worker's last tasks")


def _domain(fake) -> str:
    return fake.api_url.split("://", 1)[1].split("/", 1)[0]


def _shop(live, fake, *, tier: str = "3"):
    """The shop's tier, and Acme (by email) as the vendor of every product ordered."""
    uow_factory = live.container.uow_factory
    set_tier(uow_factory, _domain(fake), tier)
    with uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    save_settings(uow_factory, installation_id, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        installation_id,
        {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "po@acme.example"},
    )
    return installation_id, acme


def _paid_order(live, installation_id, vendor, number: str, **changes):
    order = make_order(
        number=number,
        lines=[make_line(sku=f"AUTO-{number}", quantity=1, price=40.0, allocations=[])],
        **{"isPaid": True, "chargeStatus": "FULL", "authorizeStatus": "FULL", **changes},
    )
    product = order["lines"][0]["variant"]["product"]["id"]
    save_product_vendor(
        live.container.uow_factory,
        installation_id,
        {"vendor_id": str(vendor.id), "product_id": product, "unit_cost": "20.00"},
    )
    return order


def _rows(engine, table, order_id):
    with engine.connect() as connection:
        return list(connection.execute(select(table).where(table.c.saleor_order_id == order_id)))


def _automation(engine, order_id):
    rows = _rows(engine, tables.automation_orders, order_id)
    return rows[0] if rows else None


def _sent_to_acme(mail_server, number):
    return [
        m
        for m in mail_server.messages
        if "po@acme.example" in m.rcpt_tos and number in str(m.message["Subject"])
    ]


def test_a_paid_low_risk_order_goes_to_the_vendor_and_completes_without_a_click(
    e2e, engine, mail_server
):
    fake, live, app = e2e
    installation_id, acme = _shop(live, fake)
    order = _paid_order(live, installation_id, acme, "7001")
    fake.add_order(order)

    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    [message] = wait_until(lambda: _sent_to_acme(mail_server, "7001"), what="the PO email")
    [review] = _rows(engine, tables.risk_reviews, order["id"])
    assert (review.verdict, review.decision, review.decided_by) == ("low", "approved", "automatic")
    [po] = _rows(engine, tables.purchase_orders, order["id"])
    events = [e for e in _rows_po_events(engine, po.id)]
    assert events and {e.actor for e in events} == {"automatic"}
    assert message.rcpt_tos == ("po@acme.example",)

    record_shipment(
        live.container.uow_factory,
        live.container.task_queue,
        live.container.carriers,
        installation_id,
        po.id,
        quantities={order["lines"][0]["id"]: 1},
        tracking=UPS,
        actor="po@acme.example",
    )

    wait_until(
        lambda: _rows(engine, tables.orders, order["id"])[0].dropship_state == "complete",
        what="the order complete",
    )
    notes = lambda: [  # noqa: E731
        e["message"] for e in fake.order(order["id"])["events"] if e["type"] == "NOTE_ADDED"
    ]
    wait_until(
        lambda: any("Drop-ship (automatic)" in note for note in notes()),
        what="the automatic note in Saleor",
    )
    assert len(_sent_to_acme(mail_server, "7001")) == 1  # nothing sent twice


def _rows_po_events(engine, po_id):
    table = tables.po_events
    with engine.connect() as connection:
        return list(connection.execute(select(table).where(table.c.purchase_order_id == po_id)))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"customerNote": "Ring twice"}, "customer_note", id="customer_note_case"),
        pytest.param(
            {"isPaid": False, "chargeStatus": "NONE", "authorizeStatus": "NONE"},
            "not_paid",
            id="not_paid_case",
        ),
        pytest.param(
            {"isPaid": False, "chargeStatus": "NONE"}, "not_charged", id="not_charged_case"
        ),
    ],
)
def test_a_held_order_says_why_and_nothing_goes_to_the_vendor(
    e2e, engine, mail_server, changes, reason
):
    fake, live, app = e2e
    installation_id, acme = _shop(live, fake)
    order = _paid_order(live, installation_id, acme, "7002", **changes)
    fake.add_order(order)

    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    held = wait_until(
        lambda: (
            (row := _automation(engine, order["id"])) is not None and row.step == "hold" and row
        ),
        what="the order held",
    )
    assert held.reasons == [reason]
    attention = live.container.use_cases.needs_attention(installation_id=installation_id)
    assert [(h.number, [r.value for r in h.reasons]) for h in attention] == [("7002", [reason])]
    assert _rows(engine, tables.purchase_orders, order["id"]) == []
    assert _sent_to_acme(mail_server, "7002") == []


def test_a_shop_without_the_module_gets_no_automatic_step(e2e, engine, mail_server):
    fake, live, app = e2e
    installation_id, acme = _shop(live, fake, tier="2")
    order = _paid_order(live, installation_id, acme, "7003")
    fake.add_order(order)

    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    wait_until(lambda: _rows(engine, tables.risk_reviews, order["id"]), what="the review")
    wait_until(
        lambda: all(d.status == "processed" for d in _rows_deliveries(engine, installation_id)),
        what="the delivery processed",
    )
    [review] = _rows(engine, tables.risk_reviews, order["id"])
    assert review.decision is None
    assert _automation(engine, order["id"]) is None
    assert _rows(engine, tables.purchase_orders, order["id"]) == []


def _rows_deliveries(engine, installation_id):
    table = tables.webhook_deliveries
    with engine.connect() as connection:
        return list(
            connection.execute(select(table).where(table.c.installation_id == installation_id))
        )
