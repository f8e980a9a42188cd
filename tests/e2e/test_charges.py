"""Charges end to end: the widget over HTTP, a real Celery worker following each charge (short
polls, the beat sweep, the ORDER_PAID webhook), the fake Saleor's payment apps answering as the
recordings show, on SQLite and PostgreSQL. Two clicks at the same moment, in two web processes,
charge once."""

from __future__ import annotations

import threading
import time

import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services.tasks import TaskName
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until, worker_idle
from tests.servers.fake_saleor.transactions import PaymentBehaviour
from tests.servers.live_app import start_live_app


def _order(fake, number: str) -> str:
    order = make_order(number=number, lines=[make_line(quantity=1, price=25.0)])
    fake.add_order(order)
    return order["id"]


def _attempts(engine, order_id: str) -> list:
    t = tables.payment_attempts
    with engine.connect() as connection:
        return list(
            connection.execute(select(t).where(t.c.saleor_order_id == order_id).order_by(t.c.id))
        )


def _status(engine, order_id: str) -> str:
    rows = _attempts(engine, order_id)
    return rows[-1].status if rows else ""


def _charge(live, fields) -> requests.Response:
    return requests.post(f"{live.url}/widgets/order/charge", data=fields, timeout=30)


def _open(fake, live, app, order_id):
    fake.send_event(app, "ORDER_CREATED", order_id=order_id)
    wait_until(lambda: _stored(live, order_id), what="the order in the app")
    return open_widget(live, fake, app, order_id)


def _stored(live, order_id) -> bool:
    with live.container.engine.connect() as connection:
        t = tables.orders
        return connection.execute(select(t.c.id).where(t.c.saleor_order_id == order_id)).first()


def test_the_worker_follows_an_approved_charge_and_notes_it_in_saleor(e2e, engine, worker):
    fake, live, app = e2e
    order_id = _order(fake, "2001")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.approve(delay=0.3))
    _, fields = _open(fake, live, app, order_id)

    answer = _charge(live, fields)

    assert answer.status_code == 200, answer.text
    assert "Charge requested" in answer.text, _attempts(engine, order_id)[0].message
    wait_until(lambda: _status(engine, order_id) == "approved", what="the worker's follow-up")
    notes = lambda: [  # noqa: E731
        e["message"] for e in fake.order(order_id)["events"] if e["type"] == "NOTE_ADDED"
    ]
    [note] = wait_until(notes, what="the note in Saleor")
    assert "charged $25.00" in note and "merchant@shop.example" in note
    assert len(fake.transaction_events(transaction, "CHARGE_REQUEST")) == 1


def test_a_pending_charge_is_finished_by_the_beat_sweep(e2e, engine, worker):
    fake, live, app = e2e
    order_id = _order(fake, "2002")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.pending())
    _, fields = _open(fake, live, app, order_id)
    before = worker.log_path.read_text(errors="replace").count("follow_payment_task[")
    _charge(live, fields)
    # the worker's short polls end with the charge still pending
    wait_until(
        lambda: (
            worker.log_path.read_text(errors="replace").count("follow_payment_task[") >= before + 2
        ),
        what="the follow-up's end",
    )
    assert _status(engine, order_id) == "pending"
    fake.auto_deliver_events = False  # no ORDER_PAID webhook: only the sweep can see it
    fake.settle_pending(transaction, success=True, message="Settled later")
    time.sleep(0.5)
    assert _status(engine, order_id) == "pending"

    live.container.task_queue.enqueue(TaskName.FOLLOW_PAYMENTS_IN_FLIGHT)

    wait_until(lambda: _status(engine, order_id) == "approved", what="the sweep")
    fake.auto_deliver_events = True
    # let the worker finish what the sweep started before the next test cleans up
    wait_until(lambda: worker_idle(engine, worker), what="the worker's last tasks")


def test_a_pending_charge_is_finished_by_the_order_paid_webhook(e2e, engine, worker):
    fake, live, app = e2e
    order_id = _order(fake, "2003")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.pending())
    _, fields = _open(fake, live, app, order_id)
    before = worker.log_path.read_text(errors="replace").count("follow_payment_task[")
    _charge(live, fields)
    wait_until(
        lambda: (
            worker.log_path.read_text(errors="replace").count("follow_payment_task[") >= before + 2
        ),
        what="the follow-up's end",
    )
    assert _status(engine, order_id) == "pending"

    fake.settle_pending(transaction, success=True)

    wait_until(lambda: _status(engine, order_id) == "approved", what="the ORDER_PAID webhook")
    events = [e.event for e in fake.emitted_events if e.order_id == order_id]
    assert "ORDER_PAID" in events and "ORDER_FULLY_PAID" in events
    t = tables.webhook_deliveries

    def paid_deliveries():
        with engine.connect() as connection:
            rows = connection.execute(
                select(t.c.event, t.c.status).where(
                    t.c.event.in_(("ORDER_PAID", "ORDER_FULLY_PAID"))
                )
            )
            return {(row.event, row.status) for row in rows}

    # both arrive; the one the worker processes first finds the charge ended
    wait_until(
        lambda: (
            paid_deliveries() >= {("ORDER_PAID", "processed"), ("ORDER_FULLY_PAID", "processed")}
        ),
        what="the paid webhooks processed",
    )
    # the paid and updated webhooks also queued reviews and the note: let them end first
    wait_until(lambda: worker_idle(engine, worker), what="the worker's last tasks")


def test_two_clicks_at_the_same_moment_in_two_web_processes_charge_once(
    e2e, engine, worker, settings, broker_url
):
    """Two staff members, two dashboards, two web processes (each its own connection pool):
    the partial unique index lets one attempt through; Saleor alone would charge twice."""
    fake, live, app = e2e
    from dataclasses import replace

    other = start_live_app(replace(settings, celery_broker_url=broker_url), engine=engine)
    try:
        for round_number in range(3):
            order_id = _order(fake, f"21{round_number}")
            transaction = fake.add_transaction(order_id, PaymentBehaviour.approve(delay=0.2))
            _, fields = _open(fake, live, app, order_id)
            barrier = threading.Barrier(2)
            answers: list[int] = []

            def click(server, fields=fields, barrier=barrier, answers=answers):
                barrier.wait()
                answers.append(_charge(server, fields).status_code)

            threads = [threading.Thread(target=click, args=(s,)) for s in (live, other)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)

            assert sorted(answers) == [200, 409]
            wait_until(lambda: _status(engine, order_id) == "approved", what="the charge")  # noqa: B023
            assert len(fake.transaction_events(transaction, "CHARGE_REQUEST")) == 1
            assert fake.order(order_id)["chargeStatus"] == "FULL"
            assert [row.status for row in _attempts(engine, order_id)] == ["approved"]
    finally:
        other.stop()
