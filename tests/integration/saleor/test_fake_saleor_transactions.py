"""The fake Saleor's transactionRequestAction against the recordings of Saleor 3.23.28
(../shared/saleor/responses/payments/): the recorded request is sent (with the fake's
transaction id), the immediate answer and the order a moment later are compared with what was
recorded, in the parts that do not depend on generated ids and times."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests

from tests.builders import make_line, make_order
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.recordings import recorded
from tests.servers.fake_saleor.transactions import PaymentBehaviour


def _recorded(name: str) -> dict[str, Any]:
    return recorded(f"payments/{name}")


def _post(fake: FakeSaleor, token: str, query: str, variables: dict) -> dict:
    response = requests.post(
        fake.api_url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _events(transaction: dict | None) -> list[tuple]:
    return [
        (
            e["type"],
            e["amount"]["amount"],
            e["message"],
            (e["createdBy"] or {}).get("__typename"),
        )
        for e in (transaction or {}).get("events") or []
    ]


def _order_view(order: dict) -> dict:
    """What the recordings' order_after shows that the fake must reproduce."""
    [transaction] = order["transactions"]
    return {
        "status": (order["isPaid"], order["chargeStatus"], order["authorizeStatus"]),
        "totals": (order["totalCharged"]["amount"], order["totalAuthorized"]["amount"]),
        "order_events": [
            (e["type"], e["amount"])
            for e in order["events"]
            if e["type"].startswith(("TRANSACTION_", "ORDER_FULLY_PAID"))
        ],
        "amounts": tuple(
            transaction[key]["amount"]
            for key in ("authorizedAmount", "chargedAmount", "chargePendingAmount")
        ),
        # the success messages are the stub's own words; failures' messages are compared
        "events": [
            (kind, amount, message if kind.endswith("FAILURE") else "", by)
            for kind, amount, message, by in _events(transaction)
        ],
    }


@pytest.fixture
def charger(fake_saleor: FakeSaleor):
    return fake_saleor.add_app("Charger", ["HANDLE_PAYMENTS", "MANAGE_ORDERS"])


def _arrange(fake: FakeSaleor, behaviour: PaymentBehaviour) -> tuple[str, str]:
    order = make_order(number="34", lines=[make_line(quantity=1, price=25.0)])
    fake.add_order(order)
    return order["id"], fake.add_transaction(order["id"], behaviour)


def _replay(fake, charger, name, transaction_id, amount=None) -> dict:
    recording = _recorded(name)
    variables = {**recording["request"]["variables"], "id": transaction_id}
    if amount is not None:
        variables["amount"] = amount
    return _post(fake, charger.token, recording["request"]["query"], variables)


def _order_after(fake, charger, name, order_id) -> dict:
    request = _recorded(name)["order_after"]["request"]
    return _post(fake, charger.token, request["query"], {"id": order_id})["data"]["order"]


@pytest.mark.parametrize(
    ("name", "behaviour"),
    [
        ("charge_success.json", PaymentBehaviour.approve("Charged by stub")),
        ("charge_failure.json", PaymentBehaviour.decline("Card declined: insufficient funds")),
        ("charge_pending.json", PaymentBehaviour.pending()),
        ("charge_timeout.json", PaymentBehaviour.timeout(delay=0.1)),
        ("charge_http500.json", PaymentBehaviour.http500(delay=0.1)),
        ("charge_http500_then_retry_success.json", PaymentBehaviour.http500_then_approve(0.1)),
        ("charge_over_authorized.json", PaymentBehaviour.approve("Stub: charged")),
    ],
)
def test_a_charge_answers_at_once_and_ends_as_recorded(fake_saleor, charger, name, behaviour):
    order_id, transaction_id = _arrange(fake_saleor, behaviour)
    recording = _recorded(name)

    answer = _replay(fake_saleor, charger, name, transaction_id)

    expected = recording["response"]["data"]["transactionRequestAction"]
    got = answer["data"]["transactionRequestAction"]
    assert got["errors"] == expected["errors"] == []
    assert _events(got["transaction"]) == _events(expected["transaction"])
    fake_saleor.wait_for_payments()
    recorded_order = _recorded(name)["order_after"]["response"]["data"]["order"]
    assert _order_view(_order_after(fake_saleor, charger, name, order_id)) == _order_view(
        recorded_order
    )


def test_no_app_behind_the_transaction_is_the_recorded_error(fake_saleor, charger):
    order_id, transaction_id = _arrange(fake_saleor, PaymentBehaviour.no_app())
    name = "charge_staff_transaction.json"

    answer = _replay(fake_saleor, charger, name, transaction_id)

    assert answer["data"] == _recorded(name)["response"]["data"]
    recorded_order = _recorded(name)["order_after"]["response"]["data"]["order"]
    got = _order_view(_order_after(fake_saleor, charger, name, order_id))
    want = _order_view(recorded_order)
    # the staff user who created the transaction is a User in both
    assert got == want


@pytest.mark.parametrize(
    ("name", "transaction_id"),
    [
        ("charge_unknown_transaction.json", None),
        ("charge_order_id_as_transaction.json", "order"),
    ],
)
def test_bad_ids_are_the_recorded_errors(fake_saleor, charger, name, transaction_id):
    recording = _recorded(name)
    answer = _post(
        fake_saleor, charger.token, recording["request"]["query"], recording["request"]["variables"]
    )

    expected = recording["response"]
    assert answer.get("data") == expected.get("data")
    assert [e["message"] for e in answer.get("errors", [])] == [
        e["message"] for e in expected.get("errors", [])
    ]


def test_two_requests_at_once_both_charge_as_recorded(fake_saleor, charger):
    order_id, transaction_id = _arrange(fake_saleor, PaymentBehaviour.approve("Stub: charged"))
    name = "charge_concurrent.json"
    query = _recorded("charge_success.json")["request"]["query"]
    barrier = threading.Barrier(2)

    def request():
        barrier.wait()
        _post(fake_saleor, charger.token, query, {"id": transaction_id, "amount": 25.0})

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    fake_saleor.wait_for_payments()

    recorded_order = _recorded(name)["order_after"]["response"]["data"]["order"]
    assert _order_view(_order_after(fake_saleor, charger, name, order_id)) == _order_view(
        recorded_order
    )


def test_a_second_charge_after_a_full_one_is_sent_for_zero(fake_saleor, charger):
    order_id, transaction_id = _arrange(fake_saleor, PaymentBehaviour.approve("Stub: charged"))
    _replay(fake_saleor, charger, "charge_twice_first.json", transaction_id)
    fake_saleor.wait_for_payments()

    answer = _replay(fake_saleor, charger, "charge_twice_second.json", transaction_id)

    got = answer["data"]["transactionRequestAction"]["transaction"]
    assert _events(got)[0] == ("CHARGE_REQUEST", 0.0, "", "App")
    fake_saleor.wait_for_payments()
    name = "charge_twice_second.json"
    recorded_order = _recorded(name)["order_after"]["response"]["data"]["order"]
    assert _order_view(_order_after(fake_saleor, charger, name, order_id)) == _order_view(
        recorded_order
    )
