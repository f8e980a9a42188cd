"""A signed ORDER_CREATED for a risky order: the real worker reads it back, queues the risk
review, computes it from OrderRisk and CustomerOrderCount, and the widget shows the verdict."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_address, make_line, make_order
from tests.e2e.conftest import open_widget, wait_until


def _review(engine, order_id):
    with engine.connect() as connection:
        return connection.execute(
            select(tables.risk_reviews).where(tables.risk_reviews.c.saleor_order_id == order_id)
        ).first()


def test_order_created_is_reviewed_by_the_worker_and_shown_in_the_widget(e2e, engine, worker):
    fake, live, app = e2e
    order = make_order(
        number="1090",
        userEmail="quick.buyer@mailinator.com",
        user=None,
        billingAddress=make_address(companyName=""),
        shippingAddress=make_address(companyName="", streetAddress1="P.O. Box 77"),
        lines=[make_line(quantity=30)],
    )
    fake.add_order(order)

    delivery = fake.send_event(app, "ORDER_CREATED", order_id=order["id"])

    assert delivery.attempts == [(200, "")]
    row = wait_until(lambda: _review(engine, order["id"]), what="the risk review")
    codes = [reason["code"] for reason in row.reasons]
    assert codes == ["disposable_email", "po_box", "high_quantity", "guest_checkout"]
    assert (row.score, row.verdict, row.decision) == (70, "high", None)
    reads = [c.operation_name for c in fake.requests if c.operation_name]
    assert {"OrderDetails", "OrderRisk", "CustomerOrderCount"} <= set(reads)
    page, _ = open_widget(live, fake, app, order["id"])
    assert 'data-verdict="high" data-score="70"' in page
    assert re.search(r"Disposable email address \(mailinator\.com\)", page)


def test_order_updated_reviews_the_order_again(e2e, engine, worker):
    fake, _, app = e2e
    order = make_order(
        number="1091",
        user=None,
        billingAddress=make_address(companyName=""),
        shippingAddress=make_address(companyName=""),
    )
    fake.add_order(order)
    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    first = wait_until(lambda: _review(engine, order["id"]), what="the first review")
    assert [reason["code"] for reason in first.reasons] == ["guest_checkout"]

    # a staff member changes the order in the dashboard: Saleor sends ORDER_UPDATED
    with fake.store.lock:
        fake.store.get_order(order["id"])["lines"] = [make_line(quantity=40)]
    delivery = fake.send_event(app, "ORDER_UPDATED", order_id=order["id"])

    assert delivery.attempts == [(200, "")]
    again = wait_until(
        lambda: (row := _review(engine, order["id"])) and len(row.reasons) == 2 and row,
        what="the review again",
    )
    assert [reason["code"] for reason in again.reasons] == ["high_quantity", "guest_checkout"]
    assert (again.decision, again.changed_at) == (None, None)
