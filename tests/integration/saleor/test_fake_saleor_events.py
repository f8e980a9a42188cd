"""Webhooks caused by mutations (signed, async, issuingPrincipal) and delay_next_mutation."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from tests.conftest import CAPTURES
from tests.servers.fake_saleor import FakeSaleor, InstalledApp, verify_detached_jws
from tests.servers.fake_saleor.recordings import recorded_data
from tests.servers.fake_saleor.server import BackgroundServer

ORDER = "T3JkZXI6OWRlNjZkZjctNWUzYy00ZTVjLWE5YWUtNDU4YmIxM2UwMDc2"
SHIRT_LINE = "T3JkZXJMaW5lOjJhOTllMzE4LTc2ZDktNDIyZi04ZGRhLTkxNmUyNmFiMWMyNg=="
SHIRT = "UHJvZHVjdFZhcmlhbnQ6MzYx"
AMERICAS = "V2FyZWhvdXNlOjgxZThjOTVlLWExM2QtNGFiMy04NmQ1LWU1YWQ4Y2QzZDkzNA=="
MARK_PAID = "mutation($id: ID!) { orderMarkAsPaid(id: $id) { errors { code } } }"
FULFILL = """mutation($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) { errors { code } } }"""
NOTE = """mutation($id: ID!, $message: String!) {
  orderNoteAdd(order: $id, input: {message: $message}) { errors { code } } }"""
CANCEL = "mutation($id: ID!) { orderCancel(id: $id) { errors { code } } }"


def captured(name: str) -> dict[str, Any]:
    return json.loads((CAPTURES / name).read_text())


class Receiver:
    """The app's webhook endpoint: records every POST; `gate` can hold the answers back."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.server = BackgroundServer(self)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.gate.wait(timeout=10)
        self.received.append(
            {"path": request.path, "headers": dict(request.headers), "body": request.get_data()}
        )
        return Response('{"ok": true}', content_type="application/json")(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.server.start()
    yield server
    server.server.stop()


@pytest.fixture
def fake() -> Iterator[FakeSaleor]:
    with FakeSaleor(retry_delays=(0.01,)) as saleor:
        saleor.add_warehouse({"id": AMERICAS, "name": "Americas"})
        saleor.set_stock(SHIRT, AMERICAS, 10)
        saleor.add_order(recorded_data("order_full_fresh.json")["order"])
        yield saleor


@pytest.fixture
def app(fake: FakeSaleor, receiver: Receiver) -> InstalledApp:
    """The capture app's manifest webhooks, pointed at the receiver."""
    text = json.dumps(captured("manifest_fetch.json")["manifest_served"]["webhooks"])
    hooks = json.loads(
        text.replace("http://127.0.0.1:3998", f"http://127.0.0.1:{receiver.server.port}")
    )
    return fake.add_app("Capture", ["MANAGE_ORDERS", "HANDLE_PAYMENTS"], hooks)


def gql(fake: FakeSaleor, token: str, query: str, timeout: float = 5, **variables: Any) -> Any:
    body = {"query": query, "variables": variables}
    headers = {"Authorization": f"Bearer {token}"}
    return requests.post(fake.api_url, json=body, headers=headers, timeout=timeout).json()


def fulfil_input(quantity: int) -> dict[str, Any]:
    stocks = [{"quantity": quantity, "warehouse": AMERICAS}]
    lines = [{"orderLineId": SHIRT_LINE, "stocks": stocks}]
    return {"lines": lines, "notifyCustomer": False, "trackingNumber": "1Z999AA10123456784"}


def test_app_fulfilment_sends_signed_webhooks_naming_the_app(fake, app, receiver):
    gql(fake, app.token, MARK_PAID, id=ORDER)
    gql(fake, app.token, FULFILL, order=ORDER, input=fulfil_input(2))

    deliveries = fake.wait_for_events()

    assert [(d.event, d.delivered) for d in deliveries] == [
        ("ORDER_FULLY_PAID", True),
        ("ORDER_UPDATED", True),
        ("ORDER_UPDATED", True),
        ("FULFILLMENT_CREATED", True),
    ]
    created = receiver.received[-1]
    assert created["path"] == "/api/webhooks/fulfillment-created"
    assert created["headers"]["Saleor-Event"] == "fulfillment_created"
    verify_detached_jws(created["headers"]["Saleor-Signature"], created["body"], fake.jwks())
    body = json.loads(created["body"])
    assert list(body) == list(json.loads(captured("fulfillment_created_by_app.json")["body_text"]))
    assert body["issuingPrincipal"] == {"__typename": "App", "id": app.app_id, "name": "Capture"}
    assert body["recipient"] == {"id": app.app_id}
    fulfilment = fake.order(ORDER)["fulfillments"][0]
    assert body["fulfillment"] == {
        "id": fulfilment["id"],
        "status": "FULFILLED",
        "trackingNumber": "1Z999AA10123456784",
        "lines": [{"quantity": 2, "orderLine": {"id": SHIRT_LINE}}],
    }
    assert body["order"] == {"id": ORDER, "number": "28", "status": "PARTIALLY_FULFILLED"}
    updated = json.loads(receiver.received[2]["body"])["order"]
    assert [line["quantityFulfilled"] for line in updated["lines"]] == [2, 0, 0]


def test_staff_change_names_the_user_like_the_capture(fake, app, receiver):
    staff = fake.issue_dashboard_token(app)

    gql(fake, staff, CANCEL, id=ORDER)
    fake.wait_for_events()

    cancelled = json.loads(receiver.received[0]["body"])
    assert (
        cancelled["issuingPrincipal"]
        == json.loads(captured("order_cancelled.json")["body_text"])["issuingPrincipal"]
    )
    assert cancelled["order"]["status"] == "CANCELED"
    assert [d.event for d in fake.deliveries] == ["ORDER_CANCELLED", "ORDER_UPDATED"]


def test_webhooks_go_out_from_a_background_thread_without_holding_the_answer(fake, app, receiver):
    receiver.gate.clear()  # the app does not answer its webhook yet

    answer = gql(fake, app.token, NOTE, id=ORDER, message="PO sent")  # would time out if sync
    with pytest.raises(TimeoutError):
        fake.wait_for_events(timeout=0.1)
    receiver.gate.set()
    fake.wait_for_events()

    assert answer == {"data": {"orderNoteAdd": {"errors": []}}, "extensions": answer["extensions"]}
    assert [json.loads(r["body"])["order"]["id"] for r in receiver.received] == [ORDER]
    assert [(d.event, d.attempts) for d in fake.deliveries] == [("ORDER_UPDATED", [(200, "")])]


def test_held_events_wait_for_deliver_pending_events(fake, app, receiver):
    fake.auto_deliver_events = False

    gql(fake, app.token, NOTE, id=ORDER, message="PO sent")
    fake.wait_for_events()
    held = list(receiver.received)
    released = fake.deliver_pending_events()
    fake.wait_for_events()

    assert held == []
    assert released == 1
    assert [(e.event, e.recipients) for e in fake.emitted_events] == [
        ("ORDER_UPDATED", [app.app_id])
    ]
    assert len(receiver.received) == 1


def test_failed_mutations_and_inactive_apps_get_nothing(fake, app, receiver):
    other = fake.add_app("Other", ["MANAGE_ORDERS"])
    fake.deactivate_app(app)

    gql(fake, other.token, NOTE, id=ORDER, message="  ")
    gql(fake, other.token, NOTE, id=ORDER, message="ok")
    fake.wait_for_events()

    assert [(e.event, e.recipients) for e in fake.emitted_events] == [("ORDER_UPDATED", [])]
    assert receiver.received == []


def test_delay_next_mutation_applies_the_write_but_answers_late(fake, app, receiver):
    fake.delay_next_mutation(1.0)

    started = time.monotonic()
    gql(fake, app.token, "{ app { id } }")  # queries are not delayed
    query_time = time.monotonic() - started
    with pytest.raises(requests.exceptions.ReadTimeout):
        gql(fake, app.token, NOTE, timeout=0.3, id=ORDER, message="PO-1 sent")
    fake.wait_for_events()
    written, webhooks = fake.order(ORDER)["events"][-1], len(receiver.received)
    started = time.monotonic()
    gql(fake, app.token, NOTE, id=ORDER, message="PO-2 sent")  # only one mutation was delayed

    assert query_time < 0.6
    assert (written["type"], written["message"]) == ("NOTE_ADDED", "PO-1 sent")
    assert webhooks == 1  # the webhook of the write went out anyway
    assert time.monotonic() - started < 0.6
