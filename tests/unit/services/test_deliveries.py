import json
from datetime import timedelta

import pytest

from app.domain.installations import Installation, SaleorApiUrl
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.errors import Invalid, NoOp, Permanent, Unauthenticated
from app.services import tasks
from app.services.deliveries import (
    IngestOutcome,
    WebhookRequest,
    ingest_webhook,
    mark_delivery_failed,
    process_delivery,
)
from app.services.inbox_relay import relay_received_deliveries
from app.services.ports import SaleorUnavailable
from app.services.signing_keys import KeysRecentlyFetched
from tests.fakes import (
    FakeInbox,
    FakeSaleorGateway,
    FakeUnitOfWork,
    FakeVerifier,
    RecordingTaskQueue,
)

API_URL = "https://shop.example.com/graphql/"
APP_ID = "QXBwOjE="
ORDER_ID = "T3JkZXI6MQ=="


@pytest.fixture
def uow():
    uow = FakeUnitOfWork()
    uow.installations.save(
        Installation(
            saleor_api_url=SaleorApiUrl(API_URL),
            app_id=APP_ID,
            token="t1",
            jwks={"keys": [{"kid": "old"}]},
        )
    )
    return uow


def _body(principal=None, typename="OrderCreated", **extra) -> bytes:
    payload = {
        "__typename": typename,
        "issuedAt": "2026-11-29T00:38:28.546601+00:00",
        "version": "3.23.28",
        "issuingPrincipal": principal or {"__typename": "User", "id": "VXNlcjoyMQ=="},
        "recipient": {"id": APP_ID},
        "order": {"id": ORDER_ID, "number": "21", "status": "UNFULFILLED"},
        **extra,
    }
    return json.dumps(payload).encode()


def _request(body: bytes, *, kid="old", event=WebhookEvent.ORDER_CREATED, header=None, **changes):
    values = {
        "endpoint_event": event,
        "api_url": API_URL,
        "event_header": header if header is not None else event.value.lower(),
        "signature": f"{kid}:{body.decode()}",
        "body": body,
    }
    values.update(changes)
    return WebhookRequest(**values)


def _ingest(uow, request, saleor=None):
    return ingest_webhook(
        uow, saleor or FakeSaleorGateway(), FakeVerifier(), FakeInbox(uow), request
    )


def test_verified_delivery_is_recorded_for_the_relay_and_nothing_else(uow):
    result = _ingest(uow, _request(_body()))

    assert result.outcome is IngestOutcome.QUEUED
    delivery = uow.deliveries.get(result.delivery_id)
    assert (delivery.event, delivery.status, delivery.queued_at) == (
        WebhookEvent.ORDER_CREATED,
        DeliveryStatus.RECEIVED,
        None,
    )
    assert delivery.payload["order"]["id"] == ORDER_ID


def test_replayed_delivery_is_recorded_once(uow):
    first = _ingest(uow, _request(_body()))
    uow.deliveries.set_status(first.delivery_id, DeliveryStatus.PROCESSED)

    again = _ingest(uow, _request(_body()))

    assert again.outcome is IngestOutcome.DUPLICATE
    assert again.delivery_id == first.delivery_id
    assert len(uow.deliveries.rows) == 1


def test_replay_of_a_delivery_not_yet_processed_is_handed_over_once(uow):
    first = _ingest(uow, _request(_body()))
    again = _ingest(uow, _request(_body()))
    queue = RecordingTaskQueue()

    relay_received_deliveries(uow, queue)

    assert again.outcome is IngestOutcome.DUPLICATE
    assert queue.deliveries == [first.delivery_id]
    assert len(uow.deliveries.rows) == 1


def test_same_order_for_another_event_is_a_separate_delivery(uow):
    first = _ingest(uow, _request(_body()))

    second = _ingest(
        uow, _request(_body(typename="OrderConfirmed"), event=WebhookEvent.ORDER_CONFIRMED)
    )

    assert second.outcome is IngestOutcome.QUEUED
    assert second.delivery_id != first.delivery_id


@pytest.mark.parametrize(
    "typename_case",
    ["OrderConfirmed", "AppDeleted", "", None, 7],
    ids=["other_event_case", "app_deleted_case", "empty_case", "null_case", "number_case"],
)
def test_body_that_does_not_name_the_endpoint_event_is_refused_and_not_recorded(uow, typename_case):
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_body(typename=typename_case)))

    assert uow.deliveries.rows == {}
    queue = RecordingTaskQueue()
    relay_received_deliveries(uow, queue)
    assert queue.deliveries == []


def test_body_without_typename_is_refused(uow):
    """Bodies from the subscriptions before __typename was selected (the captures) name no event."""
    payload = json.loads(_body())
    del payload["__typename"]

    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(json.dumps(payload).encode()))

    assert uow.deliveries.rows == {}


def _app_deleted(app=None, typename="AppDeleted") -> bytes:
    payload = {"__typename": typename, "recipient": {"id": APP_ID}}
    if app is not None:
        payload["app"] = app
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "app_case",
    [{"id": "QXBwOjk="}, {"id": None}, {}, None],
    ids=["other_app_case", "null_id_case", "no_id_case", "no_app_case"],
)
def test_app_deleted_for_another_or_no_app_keeps_the_installation(uow, app_case):
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_app_deleted(app_case), event=WebhookEvent.APP_DELETED))

    assert uow.installations.get_active_by_api_url(API_URL) is not None
    assert uow.deliveries.rows == {}


def test_forged_signature_with_a_known_key_is_refused_without_a_fetch(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "old"}]})
    request = _request(_body(), signature="old:" + _body().decode().replace("21", "22"))

    with pytest.raises(Unauthenticated):
        _ingest(uow, request, saleor=saleor)

    assert uow.deliveries.rows == {}
    assert saleor.calls == []


def test_forged_unknown_key_ids_fetch_the_keys_once_per_interval(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "old"}]})
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_body(), kid="forged-0"), saleor=saleor)

    for n in range(1, 500):
        with pytest.raises(KeysRecentlyFetched):
            _ingest(uow, _request(_body(), kid=f"forged-{n}"), saleor=saleor)

    assert saleor.calls == [("fetch_jwks", API_URL)]
    assert uow.deliveries.rows == {}


def test_rotated_key_within_the_interval_is_retryable_and_accepted_after_it(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "old"}]})
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_body(), kid="forged"), saleor=saleor)
    saleor.jwks = {"keys": [{"kid": "new"}]}
    with pytest.raises(KeysRecentlyFetched):
        _ingest(uow, _request(_body(), kid="new"), saleor=saleor)
    uow.installations.jwks_fetched_at[1] -= timedelta(seconds=60)

    result = _ingest(uow, _request(_body(), kid="new"), saleor=saleor)

    assert result.outcome is IngestOutcome.QUEUED
    assert saleor.calls == [("fetch_jwks", API_URL)] * 2


def test_rotated_key_is_fetched_once_verified_and_stored(uow):
    saleor = FakeSaleorGateway(jwks={"keys": [{"kid": "new"}]})

    result = _ingest(uow, _request(_body(), kid="new"), saleor=saleor)

    assert result.outcome is IngestOutcome.QUEUED
    assert uow.installations.get_active_by_api_url(API_URL).jwks == {"keys": [{"kid": "new"}]}
    assert saleor.calls == [("fetch_jwks", API_URL)]


def test_jwks_unreachable_during_rotation_is_retryable(uow):
    saleor = FakeSaleorGateway()
    saleor.unavailable = True

    with pytest.raises(SaleorUnavailable):
        _ingest(uow, _request(_body(), kid="new"), saleor=saleor)

    assert uow.deliveries.rows == {}


def test_unknown_saleor_is_unauthenticated(uow):
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_body(), api_url="https://other.example.com/graphql/"))

    assert uow.deliveries.rows == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"signature": ""}, "saleor-signature", id="no_signature_case"),
        pytest.param({"api_url": ""}, "saleor-api-url", id="no_api_url_case"),
        pytest.param({"event_header": "order_updated"}, "saleor-event", id="wrong_event_case"),
    ],
)
def test_malformed_request_is_invalid(uow, changes, field):
    with pytest.raises(Invalid) as raised:
        _ingest(uow, _request(_body(), **changes))

    assert raised.value.field == field
    assert uow.deliveries.rows == {}


def test_signed_body_that_is_not_json_is_invalid(uow):
    with pytest.raises(Invalid):
        _ingest(uow, _request(b"not json"))

    assert uow.deliveries.rows == {}


def test_event_caused_by_this_app_is_skipped(uow):
    body = _body(principal={"__typename": "App", "id": APP_ID, "name": "Drop-ship"})

    result = _ingest(uow, _request(body))

    assert result.outcome is IngestOutcome.OWN_EVENT
    assert uow.deliveries.rows == {}


def test_event_caused_by_another_app_is_queued(uow):
    body = _body(principal={"__typename": "App", "id": "QXBwOjk=", "name": "Other"})

    assert _ingest(uow, _request(body)).outcome is IngestOutcome.QUEUED


def test_app_deleted_removes_the_installation_and_later_webhooks_are_refused(uow):
    body = _app_deleted({"id": APP_ID})

    result = _ingest(uow, _request(body, event=WebhookEvent.APP_DELETED))

    assert result.outcome is IngestOutcome.APP_REMOVED
    assert uow.installations.get_active_by_api_url(API_URL) is None
    with pytest.raises(Unauthenticated):
        _ingest(uow, _request(_body()))


def test_processing_reads_the_order_back_and_stores_it(uow):
    delivery_id = _ingest(uow, _request(_body())).delivery_id
    saleor = FakeSaleorGateway()
    saleor.orders[ORDER_ID] = {
        "id": ORDER_ID,
        "number": "21",
        "status": "UNFULFILLED",
        "lines": [{"id": "T3JkZXJMaW5lOjE=", "quantity": 2}],
    }

    status = process_delivery(uow, saleor, delivery_id)

    assert status is DeliveryStatus.PROCESSED
    snapshot = uow.orders.get(1, ORDER_ID)
    assert (snapshot.number, snapshot.status, snapshot.line_count) == ("21", "UNFULFILLED", 1)
    assert saleor.calls == [("fetch_order", ORDER_ID)]
    [choice] = uow.plans.choices(1, ORDER_ID).values()
    assert (choice.order_line_id, choice.vendor_id) == ("T3JkZXJMaW5lOjE=", None)


def test_processing_twice_calls_saleor_once(uow):
    delivery_id = _ingest(uow, _request(_body())).delivery_id
    saleor = FakeSaleorGateway()
    saleor.orders[ORDER_ID] = {"id": ORDER_ID, "number": "21", "status": "UNFULFILLED"}
    process_delivery(uow, saleor, delivery_id)

    assert process_delivery(uow, saleor, delivery_id) is DeliveryStatus.PROCESSED
    assert saleor.calls == [("fetch_order", ORDER_ID)]


def test_processing_after_the_app_was_removed_never_uses_the_token(uow):
    delivery_id = _ingest(uow, _request(_body())).delivery_id
    uow.installations.mark_removed(1)
    saleor = FakeSaleorGateway()

    assert process_delivery(uow, saleor, delivery_id) is DeliveryStatus.SKIPPED
    assert saleor.calls == []


def test_order_saleor_no_longer_has_is_a_permanent_failure(uow):
    delivery_id = _ingest(uow, _request(_body())).delivery_id

    with pytest.raises(Permanent):
        process_delivery(uow, FakeSaleorGateway(), delivery_id)

    assert uow.orders.rows == {}


def test_unknown_delivery_is_a_no_op(uow):
    with pytest.raises(NoOp):
        process_delivery(uow, FakeSaleorGateway(), 999)


def test_a_delivery_handed_over_twice_is_processed_once(uow):
    delivery_id = _ingest(uow, _request(_body()))
    saleor = FakeSaleorGateway()
    saleor.orders[ORDER_ID] = {"id": ORDER_ID, "number": "21", "status": "UNFULFILLED"}
    process_delivery(uow, saleor, delivery_id.delivery_id)

    mark_delivery_failed(uow, delivery_id.delivery_id, "a late duplicate run timed out")

    delivery = uow.deliveries.get(delivery_id.delivery_id)
    assert (delivery.status, delivery.error, delivery.attempts) == (
        DeliveryStatus.PROCESSED,
        None,
        1,
    )


@pytest.mark.parametrize(
    ("event", "typename"),
    [
        (WebhookEvent.ORDER_CREATED, "OrderCreated"),
        (WebhookEvent.ORDER_UPDATED, "OrderUpdated"),
    ],
    ids=["arrived_case", "changed_case"],
)
def test_an_arriving_or_changed_order_queues_its_risk_review(uow, event, typename):
    delivery_id = _ingest(uow, _request(_body(typename=typename), event=event)).delivery_id
    saleor = FakeSaleorGateway()
    saleor.orders[ORDER_ID] = {"id": ORDER_ID, "number": "21", "status": "UNFULFILLED"}
    queue = RecordingTaskQueue()

    process_delivery(uow, saleor, delivery_id, queue)

    assert queue.tasks == [(tasks.REVIEW_ORDER_RISK, {"installation_id": 1, "order_id": ORDER_ID})]


def test_a_broker_outage_does_not_fail_the_delivery_over_its_risk_review(uow):
    class DownQueue(RecordingTaskQueue):
        def enqueue(self, task, **arguments):
            raise SaleorUnavailable("broker down")  # any Retryable

    delivery_id = _ingest(uow, _request(_body())).delivery_id
    saleor = FakeSaleorGateway()
    saleor.orders[ORDER_ID] = {"id": ORDER_ID, "number": "21", "status": "UNFULFILLED"}

    assert process_delivery(uow, saleor, delivery_id, DownQueue()) is DeliveryStatus.PROCESSED
