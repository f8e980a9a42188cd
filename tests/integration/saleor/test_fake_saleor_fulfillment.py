"""Order mutations replayed from the real Saleor 3.23.28 session (shared/saleor/responses).

Order "A" (#28) goes through the recorded story step by step: each test replays the story up
to its step and compares every answer with the recording (generated ids mapped).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.recordings import Replay, recorded_data

APP_ID = "QXBwOjY="
ORDER_A = "T3JkZXI6OWRlNjZkZjctNWUzYy00ZTVjLWE5YWUtNDU4YmIxM2UwMDc2"
ORDER_B = "T3JkZXI6NWY0NzkyMmQtMWUzMi00YTk5LTliZmItZjEyYjVkMzRlZThm"
ORDER_PAID_UNCONFIRMED = "T3JkZXI6OTA0OTQzODctNjc3MC00OTQ4LTlkOWEtMWI2OTJkNDMxOWVi"
ORDER_UNCONFIRMED = "T3JkZXI6NmRmZjQ5NDItYjVkNi00OGMzLTliMzMtZGJiNDcwN2JhODE2"
AMERICAS = "V2FyZWhvdXNlOjgxZThjOTVlLWExM2QtNGFiMy04NmQ1LWU1YWQ4Y2QzZDkzNA=="
EUROPE = "V2FyZWhvdXNlOmE2MmVkYmFlLTA2MjgtNGI4Yy1hZmU5LWU2MzJlNDJhZWUzOQ=="
EMPTY_SUPPLIER = "V2FyZWhvdXNlOjc4MGY3NjhjLWUxOTMtNGQ3My04ZWU2LTM2OGJlOTcwODM3Mw=="
DEFAULT = "V2FyZWhvdXNlOmQ1OGZmNDNkLWJlMjAtNGNiMy1iZDg1LWVjMGU4MzFmM2JkOA=="
DEFAULT_WAREHOUSE = "V2FyZWhvdXNlOjhkZDhhNGZhLTVhNWQtNGMyMS1hZDEwLTdiNjU4MDg4NmNkYg=="
SHIRT, DASH, TEE = (
    "UHJvZHVjdFZhcmlhbnQ6MzYx",
    "UHJvZHVjdFZhcmlhbnQ6MzM1",
    "UHJvZHVjdFZhcmlhbnQ6MzQ4",
)

STORY_A = [
    "order_fulfill_unpaid.json",
    "order_mark_as_paid.json",
    "order_fulfill_success.json",
    "order_fulfill_over_quantity.json",
    "order_fulfill_wrong_warehouse.json",
    "order_fulfill_allow_exceed.json",
    "order_fulfill_insufficient_stock.json",
    "order_fulfill_other_warehouse.json",
    "order_confirm_already_confirmed.json",
    "fulfillment_update_tracking.json",
    "order_note_add.json",
    "order_note_add_empty.json",
    "update_metadata.json",
    "update_private_metadata.json",
    "update_metadata_bad_id.json",
    "fulfillment_cancel_no_warehouse.json",
    "fulfillment_cancel.json",
    "fulfillment_cancel_again.json",
    "fulfillment_cancel_no_stock_row.json",
    "fulfillment_cancel_last.json",
    "order_after_fulfillment_cancel.json",
    "order_cancel_paid.json",
    "order_fulfill_cancelled_paid.json",
]


def line(line_id: str, variant: str, quantity: int, warehouse: str) -> dict[str, Any]:
    return {
        "id": line_id,
        "quantity": quantity,
        "quantityFulfilled": 0,
        "quantityToFulfill": quantity,
        "variant": {"id": variant},
        "allocations": [{"warehouse": {"id": warehouse}, "quantity": quantity}],
    }


def order_like_a(order_id: str, status: str, lines: list[dict[str, Any]], paid: bool) -> dict:
    order = copy.deepcopy(recorded_data("order_full_fresh.json")["order"])
    order.update(id=order_id, status=status, lines=lines, isPaid=paid)
    order["chargeStatus"] = "FULL" if paid else "NONE"
    return order


@pytest.fixture
def fake() -> Iterator[FakeSaleor]:
    with FakeSaleor(retry_delays=(0.01,)) as saleor:
        for warehouse_id, name in (
            (AMERICAS, "Americas"),
            (EUROPE, "Europe"),
            (EMPTY_SUPPLIER, "Responses Empty Supplier"),
            (DEFAULT, "Default"),
        ):
            saleor.add_warehouse({"id": warehouse_id, "name": name})
        for variant in (SHIRT, DASH, TEE):
            for warehouse_id, quantity in ((AMERICAS, 100), (EUROPE, 104), (DEFAULT, 50)):
                saleor.set_stock(variant, warehouse_id, quantity)
        saleor.set_stock(TEE, EMPTY_SUPPLIER, 0)
        saleor.add_order(recorded_data("order_full_fresh.json")["order"])
        saleor.add_order(recorded_data("order_unconfirmed.json")["order"])
        yield saleor


@pytest.fixture
def replay(fake: FakeSaleor) -> Replay:
    app = fake.add_app(
        "Responses standin",
        ["MANAGE_ORDERS", "MANAGE_PRODUCTS", "HANDLE_PAYMENTS"],
        app_id=APP_ID,
    )
    return Replay(fake.api_url, app.token)


def replay_all(replay: Replay, names: list[str]) -> None:
    for name in names:
        actual, expected = replay.run(name)
        assert actual == expected, name


@pytest.mark.parametrize("step", STORY_A)
def test_order_a_story_matches_saleor_up_to(replay, step):
    replay_all(replay, STORY_A[: STORY_A.index(step) + 1])


def test_fulfilments_move_stock_allocations_and_status(fake, replay):
    replay_all(replay, STORY_A[: STORY_A.index("order_fulfill_other_warehouse.json") + 1])

    order = fake.order(ORDER_A)
    assert order["status"] == "PARTIALLY_FULFILLED"
    assert [(f["fulfillmentOrder"], f["status"]) for f in order["fulfillments"]] == [
        (1, "FULFILLED"),
        (2, "FULFILLED"),
        (3, "FULFILLED"),
    ]
    assert [f["notifyCustomer"] for f in order["fulfillments"]] == [True, False, False]
    assert (fake.stock(SHIRT, AMERICAS), fake.stock(TEE, EUROPE)) == (98, 103)
    assert fake.stock(DASH, EMPTY_SUPPLIER) is None  # allowStockToBeExceeded: no row created
    assert [[a["quantity"] for a in item["allocations"]] for item in order["lines"]] == [
        [1],
        [1],
        [0],
    ]
    assert [e["type"] for e in order["events"][4:]] == [
        "ORDER_MARKED_AS_PAID",
        "FULFILLMENT_FULFILLED_ITEMS",
        "FULFILLMENT_FULFILLED_ITEMS",
        "FULFILLMENT_FULFILLED_ITEMS",
    ]


def test_story_fires_the_webhook_events_saleor_fires(fake, replay):
    replay_all(replay, STORY_A[: STORY_A.index("fulfillment_cancel.json") + 1])

    created = ["FULFILLMENT_TRACKING_NUMBER_UPDATED", "ORDER_UPDATED", "FULFILLMENT_CREATED"]
    assert [e.event for e in fake.emitted_events] == [
        "ORDER_FULLY_PAID",
        "ORDER_UPDATED",
        *created * 3,
        "FULFILLMENT_TRACKING_NUMBER_UPDATED",
        "ORDER_UPDATED",
        "ORDER_UPDATED",  # note
        "ORDER_METADATA_UPDATED",
        "ORDER_METADATA_UPDATED",
        "FULFILLMENT_CANCELED",
        "ORDER_UPDATED",
    ]
    principals = {(e.issuing_principal or {}).get("id") for e in fake.emitted_events}
    assert principals == {APP_ID}


def test_cancelling_the_warehouse_less_fulfilment_creates_the_stock_row(fake, replay):
    replay_all(replay, STORY_A[: STORY_A.index("fulfillment_cancel_no_stock_row.json") + 1])

    assert fake.stock(DASH, EMPTY_SUPPLIER) == 1
    assert fake.stock(SHIRT, AMERICAS) == 100
    dash_line = fake.order(ORDER_A)["lines"][1]
    assert [(a["warehouse"]["id"], a["quantity"]) for a in dash_line["allocations"]] == [
        (AMERICAS, 1),
        (EMPTY_SUPPLIER, 1),
    ]


def test_paid_unconfirmed_order_is_fulfilled_without_confirmation(fake, replay):
    line_id = "T3JkZXJMaW5lOmFjMGE2NGUyLTE4ZjktNDdjZS04NDY4LTUzMjNlOTVhNzcyZA=="
    fake.add_order(
        order_like_a(
            ORDER_PAID_UNCONFIRMED, "UNCONFIRMED", [line(line_id, SHIRT, 1, DEFAULT)], paid=True
        )
    )

    actual, expected = replay.run("order_fulfill_unconfirmed.json")

    assert actual == expected
    assert fake.order(ORDER_PAID_UNCONFIRMED)["lines"][0]["quantityToFulfill"] == 0
    assert fake.stock(SHIRT, DEFAULT) == 49
    assert [e.event for e in fake.emitted_events] == [
        "FULFILLMENT_TRACKING_NUMBER_UPDATED",
        "ORDER_UPDATED",
        "FULFILLMENT_CREATED",
        "ORDER_FULFILLED",
        "FULFILLMENT_APPROVED",
    ]
    assert fake.emitted_events[2].extra["notifyCustomer"] is False


def test_order_b_cancel_then_unpaid_fulfil_then_cancel_again(fake, replay):
    fake.add_order(
        order_like_a(
            ORDER_B,
            "UNFULFILLED",
            [
                line(
                    "T3JkZXJMaW5lOjA0YjdhYjRmLWVmN2MtNDkwYy1hMjMwLTkyZGZiMGQ0NmNhYg==",
                    TEE,
                    1,
                    DEFAULT,
                ),
                line(
                    "T3JkZXJMaW5lOjAxOTc3YzI0LWIwM2UtNGNjNS04MGVlLWUzOWI2NjIwNTgwYQ==",
                    DASH,
                    2,
                    DEFAULT_WAREHOUSE,
                ),
            ],
            paid=False,
        )
    )

    replay_all(
        replay, ["order_cancel.json", "order_fulfill_cancelled.json", "order_cancel_again.json"]
    )

    order = fake.order(ORDER_B)
    assert order["status"] == "CANCELED"
    assert [e["type"] for e in order["events"]][-1] == "CANCELED"
    assert order.get("fulfillments") == []


def test_order_confirm_by_the_app(fake, replay):
    actual, expected = replay.run("order_confirm_success.json")

    assert actual == expected
    assert fake.order(ORDER_UNCONFIRMED)["status"] == "UNFULFILLED"
    again, _ = replay.run("order_confirm_already_confirmed.json", id=ORDER_UNCONFIRMED)
    assert again["data"]["orderConfirm"]["errors"][0]["code"] == "INVALID"


def test_dead_token_gets_permission_denied_and_nothing_is_written(fake, replay):
    app = fake.store.app_by_id(APP_ID)
    fake.delete_app(app)

    actual, expected = replay.run("deleted_app_token_mutation.json")

    assert actual == expected
    assert [e["type"] for e in fake.order(ORDER_A)["events"]][-1] == "CONFIRMED"
