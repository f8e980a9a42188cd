"""The vendor API over HTTP: acknowledgement per line, shipments, replays by request id, wrong,
rotated and other vendors' keys, other shops' POs, bounded bodies, rate limits, bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from app.adapters.db import tables
from app.domain.purchase_orders import POStatus
from app.domain.shipments import ShipmentSource
from app.domain.vendor_answers import LineAnswer
from app.services import tasks
from app.services.purchase_orders import list_purchase_orders
from app.services.shipments import list_shipments
from app.services.vendor_api_keys import issue_vendor_api_key, revoke_vendor_api_key
from tests.integration.web.vendor_api_setup import API, STAFF, vendor_api_shop

UPS = "1Z999AA10123456784"
USPS = "9400111899223397658533"
NEXT_WEEK = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()


@pytest.fixture
def shop(live_app):
    return vendor_api_shop(live_app)


def _stored_po(shop):
    with shop.catalogue.uow_factory() as uow:
        return uow.purchase_orders.get(shop.catalogue.installation_id, shop.po.id)


def _shipments(shop):
    shipments = list_shipments(
        shop.catalogue.uow_factory, shop.catalogue.installation_id, shop.catalogue.order_id
    )
    return [s for s in shipments if s.purchase_order_id == shop.po.id]


def _shipment_body(**changes):
    return {"tracking_numbers": [UPS, USPS], "lines": [{"sku": "SKU-1", "quantity": 2}]} | changes


def test_the_vendor_acknowledges_line_by_line(shop):
    line = shop.po.lines[0]
    answer = shop.post(
        f"/purchase-orders/{shop.po.number}/acknowledgement",
        {"lines": [{"vendor_sku": "A-1", "answer": "backordered", "expected_date": NEXT_WEEK}]},
    )

    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["status"] == "acknowledged"
    assert document["lines"][0] | {"product_name": None} == {
        "order_line_id": line.order_line_id,
        "sku": "SKU-1",
        "vendor_sku": "A-1",
        "product_name": None,
        "quantity": 2,
        "shipped_quantity": 0,
        "answer": "backordered",
        "expected_date": NEXT_WEEK,
        "reason": None,
    }
    stored = _stored_po(shop)
    assert stored.status is POStatus.ACKNOWLEDGED
    assert stored.line_answers[line.order_line_id].answer is LineAnswer.BACKORDERED
    assert stored.events[-1].actor == "Acme Supply (vendor API)"


def test_a_shipment_with_two_tracking_numbers_is_a_vendor_shipment_written_to_saleor(
    shop, task_queue
):
    answer = shop.post(f"/purchase-orders/{shop.po.number}/shipments", _shipment_body())

    assert answer.status_code == 201, answer.text
    [shipment] = _shipments(shop)
    assert shipment.source is ShipmentSource.VENDOR
    assert shipment.tracking_numbers == (UPS, USPS)
    assert shipment.quantities() == {shop.po.lines[0].order_line_id: 2}
    assert shipment.created_by == "Acme Supply (vendor API)"
    assert (
        tasks.WRITE_FULFILMENT,
        {
            "installation_id": shop.catalogue.installation_id,
            "shipment_id": shipment.id,
        },
    ) in task_queue.tasks
    document = answer.json()
    assert document["shipment"]["id"] == shipment.id
    assert document["shipment"]["carrier"] == {"code": "ups", "name": "UPS"}
    assert document["purchase_order"]["lines"][0]["shipped_quantity"] == 2
    read = shop.get(f"/purchase-orders/{shop.po.number}")
    assert read.status_code == 200
    assert read.json() == document["purchase_order"]


def test_a_replay_of_the_same_request_id_gets_the_first_answer_and_ships_nothing_more(shop):
    path = f"/purchase-orders/{shop.po.number}/shipments"
    body = _shipment_body(lines=[{"sku": "SKU-1", "quantity": 1}])
    first = shop.post(path, body, headers={"Idempotency-Key": "acme-shipment-77"})
    again = shop.post(path, body, headers={"Idempotency-Key": "acme-shipment-77"})
    by_field = shop.post(path, body | {"id": "acme-shipment-77"})

    assert first.status_code == again.status_code == by_field.status_code == 201
    assert again.json() == first.json() == by_field.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_shipments(shop)) == 1


def test_the_same_request_id_with_another_body_is_a_conflict(shop):
    path = f"/purchase-orders/{shop.po.number}/shipments"
    headers = {"Idempotency-Key": "acme-shipment-78"}
    shop.post(path, _shipment_body(lines=[{"sku": "SKU-1", "quantity": 1}]), headers=headers)

    conflict = shop.post(path, _shipment_body(), headers=headers)

    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"
    assert sum(s.quantities()[shop.po.lines[0].order_line_id] for s in _shipments(shop)) == 1


def test_a_refused_request_stores_no_answer_so_the_vendor_can_fix_it(shop):
    path = f"/purchase-orders/{shop.po.number}/shipments"
    headers = {"Idempotency-Key": "acme-shipment-79"}
    refused = shop.post(path, _shipment_body(tracking_numbers=[]), headers=headers)
    fixed = shop.post(path, _shipment_body(), headers=headers)

    assert (refused.status_code, fixed.status_code) == (422, 201)


@pytest.mark.parametrize(
    "authorization_case",
    ["", "Bearer", "Basic dsk", "Bearer not-a-key", "Bearer dsk_000000000000_" + "A" * 43],
)
def test_a_missing_malformed_or_unknown_key_is_refused_alike(shop, authorization_case):
    answer = requests.get(
        f"{shop.url}{API}/purchase-orders/{shop.po.number}",
        headers={"Authorization": authorization_case},
        timeout=5,
    )

    assert answer.status_code == 401
    assert answer.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Send a valid API key: Authorization: Bearer dsk_…",
        }
    }
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_for_a_real_key_id_is_refused_alike(shop):
    key_id = shop.acme_key.split("_")[1]
    forged = f"dsk_{key_id}_" + "B" * 43

    answer = shop.get(f"/purchase-orders/{shop.po.number}", key=forged)

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"


def test_a_rotated_key_stops_working_and_the_new_one_works(shop):
    catalogue = shop.catalogue
    rotated = issue_vendor_api_key(
        catalogue.uow_factory, catalogue.installation_id, catalogue.acme.id, actor=STAFF
    )
    path = f"/purchase-orders/{shop.po.number}"

    assert shop.get(path).status_code == 401
    assert shop.get(path, key=rotated.plaintext).status_code == 200
    revoke_vendor_api_key(catalogue.uow_factory, catalogue.installation_id, catalogue.acme.id)
    assert shop.get(path, key=rotated.plaintext).status_code == 401


def test_another_vendors_key_and_another_shops_key_do_not_find_the_po(shop, live_app):
    other = vendor_api_shop(live_app, "https://other.example.com/graphql/")
    path = f"/purchase-orders/{shop.po.number}"

    beta = shop.post(f"{path}/shipments", _shipment_body(), key=shop.beta_key)
    # The other shop has a PO of the same number: its Acme key sees that one, never this one.
    other_shop = other.post(f"{path}/shipments", _shipment_body(), key=other.acme_key)

    assert beta.status_code == 404
    assert beta.json()["error"]["code"] == "not_found"
    assert shop.get(path, key=shop.beta_key).status_code == 404
    assert other_shop.status_code == 201
    assert _shipments(shop) == []
    assert shop.get(f"/purchase-orders/{shop.po.number}9").status_code == 404


def test_a_body_over_the_limit_is_refused_with_413(shop, live_app):
    live_app.container.settings = replace(
        live_app.container.settings, vendor_api_max_body_bytes=1024
    )
    body = _shipment_body(note="x" * 2000)

    answer = shop.post(f"/purchase-orders/{shop.po.number}/shipments", body)

    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"
    assert _shipments(shop) == []


def test_too_many_requests_per_key_get_429_with_retry_after(shop, live_app):
    live_app.container.settings = replace(
        live_app.container.settings, vendor_api_requests_per_minute=2
    )
    path = f"/purchase-orders/{shop.po.number}"

    answers = [shop.get(path) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [200, 200]
    # The window may turn over between two calls: then the third is the new window's first.
    limited = answers[2] if answers[2].status_code == 429 else shop.get(path)
    limited = limited if limited.status_code == 429 else shop.get(path)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert shop.get(path, key=shop.beta_key).status_code == 404  # another key: its own count


def test_failed_logins_per_address_are_limited(shop, live_app):
    live_app.container.settings = replace(
        live_app.container.settings, vendor_api_auth_failures_per_minute=1
    )
    path = f"/purchase-orders/{shop.po.number}"

    answers = [shop.get(path, key="dsk_wrong").status_code for _ in range(4)]

    assert answers[0] == 401
    assert 429 in answers


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"tracking_numbers": [UPS], "lines": [{"sku": "SKU-1", "quantity": 0}]},
            {"lines[0].quantity": "Must be a whole number from 1 to 1000000."},
        ),
        (
            {"tracking_numbers": [UPS], "lines": [{"sku": "NOPE", "quantity": 1}]},
            {"lines[0].sku": "No line of PO 1042-1 has this sku."},
        ),
        (
            {"lines": [{"sku": "SKU-1", "quantity": 1}]},
            {"tracking_numbers": "Must be an array of 1 to 20 tracking numbers (strings)."},
        ),
        (
            {"tracking_numbers": [UPS], "lines": [{"sku": "SKU-1", "quantity": 3}]},
            {"request": "Blue Polygon Shirt: only 2 of 2 left to ship on PO 1042-1."},
        ),
        (
            {"tracking_numbers": ["no\u0000pe"], "lines": [{"sku": "SKU-1", "quantity": 1}]},
            {"tracking_numbers": "Must be an array of 1 to 20 tracking numbers (strings)."},
        ),
    ],
    ids=["zero_case", "unknown_sku_case", "no_tracking_case", "too_many_case", "nul_case"],
)
def test_bad_shipment_input_is_422_naming_the_fields(shop, body, fields):
    answer = shop.post(f"/purchase-orders/{shop.po.number}/shipments", body)

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["fields"] == fields
    assert _shipments(shop) == []


def test_bad_acknowledgement_input_is_422_at_the_line_it_names(shop):
    answer = shop.post(
        f"/purchase-orders/{shop.po.number}/acknowledgement",
        {"lines": [{"sku": "SKU-1", "answer": "cancelled"}]},
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == {"lines[0].reason": "Say why the line is cancelled."}
    assert _stored_po(shop).status is POStatus.SENT


def test_not_json_is_415_and_broken_json_is_400(shop):
    path = f"{shop.url}{API}/purchase-orders/{shop.po.number}/shipments"
    auth = {"Authorization": f"Bearer {shop.acme_key}"}

    form = requests.post(path, data={"a": "b"}, headers=auth, timeout=5)
    broken = requests.post(
        path, data=b'{"lines": [', headers=auth | {"Content-Type": "application/json"}, timeout=5
    )
    array = requests.post(path, json=[1], headers=auth, timeout=5)

    assert (form.status_code, broken.status_code, array.status_code) == (415, 400, 422)
    assert broken.json()["error"]["code"] == "invalid_json"


def test_the_api_key_table_holds_no_secret(shop, engine):
    with engine.connect() as connection:
        rows = connection.execute(select(tables.vendor_api_keys)).all()
        count = connection.execute(
            select(func.count()).select_from(tables.vendor_api_keys)
        ).scalar_one()

    secret = shop.acme_key.split("_", 2)[2]
    assert count == 2
    assert all(secret not in str(tuple(row)) for row in rows)


def test_a_po_not_sent_yet_takes_no_acknowledgement(shop):
    [beta_po] = [
        po
        for po in list_purchase_orders(
            shop.catalogue.uow_factory, shop.catalogue.installation_id, shop.catalogue.order_id
        )
        if po.vendor_name == "Beta Parts"
    ]

    answer = shop.post(
        f"/purchase-orders/{beta_po.number}/acknowledgement", {"lines": []}, key=shop.beta_key
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "purchase_order_not_allowed_in_status"
