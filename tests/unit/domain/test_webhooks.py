import json

import pytest

from app.adapters.saleor.parsing import parse_webhook_payload
from app.domain.webhooks import WebhookEvent, body_digest
from tests.conftest import CAPTURES


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("order_created", WebhookEvent.ORDER_CREATED, id="saleor_lower_case"),
        pytest.param("ORDER_FULLY_PAID", WebhookEvent.ORDER_FULLY_PAID, id="upper_case"),
        pytest.param("app_deleted", WebhookEvent.APP_DELETED, id="app_deleted_case"),
        pytest.param("order_fulfilled", None, id="not_subscribed_case"),
        pytest.param("", None, id="empty_case"),
    ],
)
def test_event_from_saleor_event_header(header, expected):
    assert WebhookEvent.from_header(header) is expected


def test_event_slug_is_the_endpoint_path():
    assert WebhookEvent.ORDER_FULLY_PAID.slug == "order-fully-paid"


@pytest.mark.parametrize(
    ("capture", "own"),
    [
        pytest.param("fulfillment_created_by_app.json", True, id="made_by_app_case"),
        pytest.param("fulfillment_created_by_user.json", False, id="made_by_user_case"),
        pytest.param("order_confirmed_checkout.json", False, id="anonymous_checkout_case"),
    ],
)
def test_own_events_are_recognised_in_real_deliveries(capture, own):
    data = json.loads((CAPTURES / capture).read_text())
    payload = json.loads(data["body_text"])

    assert parse_webhook_payload(payload).is_issued_by(payload["recipient"]["id"]) is own


def test_digest_changes_with_one_byte():
    assert body_digest(b'{"a": 1}') != body_digest(b'{"a": 2}')
    assert body_digest(b'{"a": 1}') == body_digest(b'{"a": 1}')


def test_order_id_of_payload():
    assert parse_webhook_payload({"order": {"id": "T3JkZXI6MQ=="}}).order_id == "T3JkZXI6MQ=="
    assert parse_webhook_payload({"app": {"id": "x"}}).order_id is None
    assert parse_webhook_payload({"app": {"id": "x"}}).app_id == "x"
