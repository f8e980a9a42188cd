"""Install, then a signed ORDER_CREATED: one inbox row, one task run by a real Celery worker,
which reads the order back from the fake Saleor through the app's GraphQL client."""

from __future__ import annotations

import time

from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_order


def _wait_for(engine, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            rows = connection.execute(select(tables.webhook_deliveries)).all()
        if predicate(rows):
            return rows
        time.sleep(0.05)
    raise TimeoutError(f"inbox never reached the expected state: {rows}")


def _orders(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.orders)).all()


def test_order_created_becomes_one_processed_delivery_and_a_stored_order(e2e, engine, worker):
    fake, live, app = e2e
    order = make_order(number="1042")
    fake.add_order(order)

    delivery = fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    assert delivery.attempts == [(200, "")]
    [row] = _wait_for(engine, lambda rows: rows and rows[0].status != "received")
    assert (row.event, row.status, row.error) == ("ORDER_CREATED", "processed", None)
    [stored] = _orders(engine)
    assert (stored.saleor_order_id, stored.number, stored.status) == (
        order["id"],
        "1042",
        "UNFULFILLED",
    )
    assert [line["productSku"] for line in stored.snapshot["lines"]] == ["218223580", "618223581"]
    reads = [c for c in fake.requests if c.operation_name == "OrderDetails"]
    assert [(c.authorization, c.variables, c.http_status) for c in reads] == [
        (f"Bearer {app.token}", {"id": order["id"]}, 200)
    ]


def test_confirmed_before_created_and_a_saleor_hiccup_still_give_one_order(e2e, engine, worker):
    fake, live, app = e2e
    order = make_order(number="1043")
    fake.add_order(order)
    fake.fail_next_graphql(status=502, count=1)

    fake.send_event(app, "ORDER_CONFIRMED", order_id=order["id"])
    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    rows = _wait_for(
        engine, lambda rows: len(rows) == 2 and all(r.status != "received" for r in rows)
    )
    assert sorted((r.event, r.status) for r in rows) == [
        ("ORDER_CONFIRMED", "processed"),
        ("ORDER_CREATED", "processed"),
    ]
    assert [o.number for o in _orders(engine)] == ["1043"]
    statuses = [c.http_status for c in fake.requests if c.operation_name == "OrderDetails"]
    assert statuses == [502, 200, 200]


def test_order_saleor_cannot_find_marks_the_delivery_failed_with_the_reason(e2e, engine, worker):
    fake, live, app = e2e
    order = make_order(number="1044")  # in the webhook payload, never in the fake's store

    delivery = fake.send_event(app, "ORDER_CREATED", extra={"order": order})

    assert delivery.delivered
    [row] = _wait_for(engine, lambda rows: rows and rows[0].status != "received")
    assert (row.status, row.error) == ("failed", f"Saleor has no order {order['id']}.")
    assert _orders(engine) == []
