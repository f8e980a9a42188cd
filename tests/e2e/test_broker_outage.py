"""The inbox is the queue: deliveries Saleor sends while the broker is down are accepted, wait in
the inbox, and the relay hands them over once the broker is back (ADR 8).

Redis is reached through a proxy the test switches off, so the relay and the real worker's
consumer see the outage. A file broker cannot go down, so this runs on the production pair,
PostgreSQL and Redis."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_order
from tests.conftest import POSTGRES_URL, REDIS_URL
from tests.e2e.conftest import wait_until


def _inbox(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(tables.webhook_deliveries).order_by(tables.webhook_deliveries.c.id)
        ).all()


@pytest.mark.parametrize(
    "database_url", ["postgresql"] if POSTGRES_URL and REDIS_URL else [], indirect=True
)
def test_deliveries_recorded_while_the_broker_is_down_are_processed_when_it_is_back(
    e2e, e2e_app, engine, broker_proxy
):
    fake, live, app = e2e
    _, relay = e2e_app
    orders = [make_order(number=str(3100 + n)) for n in range(3)]
    for order in orders:
        fake.add_order(order)

    broker_proxy.stop()
    try:
        deliveries = [fake.send_event(app, "ORDER_CREATED", order_id=o["id"]) for o in orders]
        wait_until(lambda: relay.outage is not None, what="the relay to meet the outage")
        time.sleep(1.0)
        during = _inbox(engine)
    finally:
        broker_proxy.start()

    assert [d.attempts for d in deliveries] == [[(200, "")]] * 3
    assert [row.status for row in during] == ["received"] * 3
    rows = wait_until(
        lambda: (rows := _inbox(engine)) and all(r.status != "received" for r in rows) and rows,
        timeout=90,
        what="every delivery processed after the outage",
    )
    assert [(row.event, row.status, row.error) for row in rows] == [
        ("ORDER_CREATED", "processed", None)
    ] * 3
    with engine.connect() as connection:
        numbers = connection.execute(select(tables.orders.c.number)).scalars()
        assert sorted(numbers) == ["3100", "3101", "3102"]
