"""Signed webhooks from the fake Saleor, over HTTP, into the inbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.db.engine import build_engine
from app.adapters.task_queue import QueueUnavailable
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.inbox_relay import relay_received_deliveries
from tests.builders import make_order
from tests.fakes import BrokenTaskQueue
from tests.servers.fake_saleor import SigningKey
from tests.servers.live_app import start_live_app


def _inbox(engine):
    with engine.connect() as connection:
        return connection.execute(select(tables.webhook_deliveries)).all()


def _post(delivery, body=None, **header_changes):
    headers = dict(delivery.headers)
    headers.update(header_changes)
    headers = {k: v for k, v in headers.items() if v is not None}
    return requests.post(
        delivery.target_url,
        data=delivery.body if body is None else body,
        headers=headers,
        timeout=5,
    )


def _order_created(fake, app, **kwargs):
    order = make_order()
    fake.add_order(order)
    return order, fake.send_event(app, "ORDER_CREATED", order_id=order["id"], **kwargs)


def test_signed_order_created_is_recorded_once_for_the_relay(installed, engine, task_queue):
    fake, live, app = installed

    order, delivery = _order_created(fake, app)

    assert delivery.delivered and delivery.attempts == [(200, "")]
    [row] = _inbox(engine)
    assert (row.event, row.status, row.queued_at) == (
        "ORDER_CREATED",
        DeliveryStatus.RECEIVED.value,
        None,
    )
    assert order["id"] in row.payload
    assert task_queue.deliveries == []  # the request never talks to the broker
    assert relay_received_deliveries(live.container.uow_factory, task_queue) == 1
    assert task_queue.deliveries == [row.id]


def test_replayed_delivery_keeps_one_inbox_row(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)

    replay = _post(delivery)

    assert replay.status_code == 200
    assert replay.json()["outcome"] == "duplicate"
    assert len(_inbox(engine)) == 1


def test_forged_signature_is_401_and_not_recorded(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)
    with engine.begin() as connection:
        connection.execute(tables.webhook_deliveries.delete())
    forged = SigningKey.generate().sign_detached(delivery.body)

    response = _post(delivery, **{"Saleor-Signature": forged})

    assert response.status_code == 401
    assert _inbox(engine) == []


def test_body_changed_by_one_byte_is_401(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)
    tampered = delivery.body.replace(b'"number": "21"', b'"number": "22"')

    response = _post(delivery, body=tampered)

    assert response.status_code == 401
    assert len(_inbox(engine)) == 1


def test_rotated_key_is_fetched_and_stored(installed, engine):
    fake, live, app = installed
    fake.rotate_key()

    _, delivery = _order_created(fake, app)

    assert delivery.attempts == [(200, "")]
    with live.container.uow_factory() as uow:
        assert uow.installations.get_active_by_api_url(fake.api_url).jwks == fake.jwks()
    assert len(_inbox(engine)) == 1


def test_jwks_unreachable_during_rotation_is_503(installed, engine):
    fake, live, app = installed
    fake.rotate_key()
    order = make_order()
    fake.add_order(order)
    body = (
        b'{"issuedAt": "2026-11-29T00:00:00+00:00", "order": {"id": "%s"}}' % order["id"].encode()
    )
    headers = {
        "Content-Type": "application/json",
        "Saleor-Event": "order_created",
        "Saleor-Api-Url": fake.api_url,
        "Saleor-Signature": fake.sign(body),
    }
    fake.stop()

    response = requests.post(
        f"{live.url}/api/webhooks/order-created", data=body, headers=headers, timeout=30
    )

    assert response.status_code == 503
    assert _inbox(engine) == []


def test_unknown_saleor_is_401(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)

    response = _post(delivery, **{"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"})

    assert response.status_code == 401


def test_malformed_requests_are_400(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)
    not_json = b"not json"

    assert (
        _post(delivery, **{"Saleor-Signature": None, "X-Saleor-Signature": None}).status_code == 400
    )
    assert _post(delivery, **{"Saleor-Event": "order_updated"}).status_code == 400
    assert (
        _post(delivery, body=not_json, **{"Saleor-Signature": fake.sign(not_json)}).status_code
        == 400
    )
    assert len(_inbox(engine)) == 1


def test_unknown_endpoint_is_404(installed):
    fake, live, app = installed

    assert (
        requests.post(f"{live.url}/api/webhooks/order-fulfilled", data=b"{}", timeout=5).status_code
        == 404
    )


def test_oversized_body_is_413(installed, engine):
    fake, live, app = installed
    big = b'{"x": "' + b"a" * (live.container.settings.max_webhook_body_bytes + 10) + b'"}'

    response = requests.post(
        f"{live.url}/api/webhooks/order-created",
        data=big,
        headers={
            "Saleor-Event": "order_created",
            "Saleor-Api-Url": fake.api_url,
            "Saleor-Signature": fake.sign(big),
        },
        timeout=10,
    )

    assert response.status_code == 413
    assert _inbox(engine) == []


def test_event_caused_by_this_app_is_skipped(installed, engine, task_queue):
    fake, live, app = installed

    _, delivery = _order_created(
        fake, app, issuing_principal={"__typename": "App", "id": app.app_id, "name": "Drop-ship"}
    )

    assert delivery.attempts == [(200, "")]
    assert _inbox(engine) == []
    assert task_queue.deliveries == []


def test_app_deleted_removes_the_installation_and_later_deliveries_are_refused(installed, engine):
    fake, live, app = installed
    _, earlier = _order_created(fake, app)

    removal = fake.delete_app(app)

    assert removal.attempts == [(200, "")]
    with live.container.uow_factory() as uow:
        assert uow.installations.get_active_by_api_url(fake.api_url) is None
    response = _post(
        earlier,
        body=earlier.body.replace(b"21", b"23"),
        **{"Saleor-Signature": fake.sign(earlier.body.replace(b"21", b"23"))},
    )
    assert response.status_code == 401


def test_database_down_is_503_and_saleor_retries(installed, settings, tmp_path):
    fake, live, app = installed
    broken_dir = tmp_path / "gone"
    broken_dir.mkdir()
    broken = start_live_app(settings, engine=build_engine(f"sqlite:///{broken_dir}/db.sqlite"))
    broken_dir.rmdir()
    order = make_order()
    fake.add_order(order)
    app.webhooks = [
        dict(w, targetUrl=w["targetUrl"].replace(live.url, broken.url)) for w in app.webhooks
    ]
    try:
        delivery = fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    finally:
        broken.stop()

    assert [status for status, _ in delivery.attempts] == [503] * 6
    assert not delivery.delivered


def test_broker_down_still_accepts_the_delivery_and_the_relay_hands_it_over_later(
    installed, settings, engine, task_queue
):
    fake, live, app = installed
    broken = start_live_app(settings, engine=engine, task_queue=BrokenTaskQueue())
    order = make_order()
    fake.add_order(order)
    app.webhooks = [
        dict(w, targetUrl=w["targetUrl"].replace(live.url, broken.url)) for w in app.webhooks
    ]
    try:
        delivery = fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
        with pytest.raises(QueueUnavailable):
            relay_received_deliveries(broken.container.uow_factory, broken.container.task_queue)
    finally:
        broken.stop()
    assert delivery.attempts == [(200, "")]
    [row] = _inbox(engine)
    assert (row.status, row.queued_at) == (DeliveryStatus.RECEIVED.value, None)

    handed = relay_received_deliveries(live.container.uow_factory, task_queue)

    assert (handed, task_queue.deliveries) == (1, [row.id])


def test_any_request_larger_than_the_cap_is_413_before_it_is_read(live_app):
    huge = {"accessToken": "x" * (live_app.flask.config["MAX_CONTENT_LENGTH"] + 1)}

    response = requests.post(f"{live_app.url}/widgets/order", data=huge, timeout=10)

    assert response.status_code == 413


FULFILMENT = {"fulfillment": {"id": "RnVsZmlsbG1lbnQ6MQ==", "status": "FULFILLED"}}
# (a genuine body of this event, replayed to this other endpoint)
MISROUTED = [
    ("ORDER_CREATED", "APP_DELETED"),
    ("ORDER_CREATED", "ORDER_CONFIRMED"),
    ("ORDER_CONFIRMED", "ORDER_CREATED"),
    ("ORDER_FULLY_PAID", "APP_DELETED"),
    ("ORDER_CANCELLED", "ORDER_CREATED"),
    ("FULFILLMENT_CREATED", "FULFILLMENT_CANCELED"),
    ("FULFILLMENT_CANCELED", "APP_DELETED"),
    ("APP_DELETED", "ORDER_CREATED"),
]


def _genuine_body(fake, app, event):
    """Rendered from the app's own subscription and signed by the fake Saleor, not sent."""
    order = make_order()
    fake.add_order(order)
    order_id = None if event == "APP_DELETED" else order["id"]
    extra = FULFILMENT if event.startswith("FULFILLMENT_") else None
    return fake.send_event(app, event, order_id=order_id, extra=extra, post=False)


@pytest.mark.parametrize(("signed_event", "endpoint_event"), MISROUTED)
def test_genuine_body_posted_to_another_event_is_401_and_changes_nothing(
    installed, engine, task_queue, signed_event, endpoint_event
):
    fake, live, app = installed
    genuine = _genuine_body(fake, app, signed_event)
    slug = endpoint_event.lower().replace("_", "-")

    response = requests.post(
        f"{live.url}/api/webhooks/{slug}",
        data=genuine.body,
        headers=dict(genuine.headers, **{"Saleor-Event": endpoint_event.lower()}),
        timeout=5,
    )

    assert response.status_code == 401
    assert _inbox(engine) == []
    assert task_queue.deliveries == []
    with live.container.uow_factory() as uow:
        assert uow.installations.get_active_by_api_url(fake.api_url) is not None


@pytest.mark.parametrize("event", sorted({signed for signed, _ in MISROUTED} - {"APP_DELETED"}))
def test_genuine_body_names_its_event_and_is_accepted_at_its_own_endpoint(installed, engine, event):
    fake, live, app = installed
    genuine = _genuine_body(fake, app, event)

    response = _post(genuine)

    assert response.status_code == 200
    assert json.loads(genuine.body)["__typename"] == WebhookEvent(event).type_name
    [row] = _inbox(engine)
    assert row.event == event


def test_body_from_an_older_subscription_without_typename_is_401(installed, engine):
    """Captured-style body (Saleor 3.23 before __typename was selected): no event named, refused."""
    fake, live, app = installed
    _, delivery = _order_created(fake, app)
    with engine.begin() as connection:
        connection.execute(tables.webhook_deliveries.delete())
    payload = json.loads(delivery.body)
    del payload["__typename"]
    old_body = json.dumps(payload).encode()

    response = _post(delivery, body=old_body, **{"Saleor-Signature": fake.sign(old_body)})

    assert response.status_code == 401
    assert _inbox(engine) == []


def test_500_forged_requests_fetch_the_keys_at_most_once(installed, engine):
    fake, live, app = installed
    _, delivery = _order_created(fake, app)
    forger = SigningKey.generate()
    own_kid_forgery = fake.issue_dashboard_token(app, key_override=SigningKey.generate())
    session = requests.Session()
    fetched_at_install = fake.jwks_requests

    statuses = []
    for n in range(500):
        body = delivery.body.replace(b'"number": "21"', b'"number": "%d"' % (1000 + n))
        if n % 2:
            response = _post(
                delivery, body=body, **{"Saleor-Signature": forger.sign_detached(body)}
            )
        else:
            response = session.post(
                f"{live.url}/widgets/order",
                data={"saleorApiUrl": fake.api_url, "accessToken": own_kid_forgery},
                timeout=5,
            )
        statuses.append(response.status_code)

    assert fake.jwks_requests - fetched_at_install <= 1
    assert set(statuses) <= {401, 503}
    assert len(_inbox(engine)) == 1


def test_key_rotated_after_a_forged_flood_is_accepted_once_the_interval_passed(installed, engine):
    fake, live, app = installed
    forged_body = b'{"__typename": "OrderCreated"}'
    _, delivery = _order_created(fake, app)
    fetched_at_install = fake.jwks_requests
    forged = _post(
        delivery,
        body=forged_body,
        **{"Saleor-Signature": SigningKey.generate().sign_detached(forged_body)},
    )
    fake.rotate_key()

    _, rotated = _order_created(fake, app)
    with engine.begin() as connection:
        connection.execute(
            tables.installations.update().values(
                jwks_fetched_at=datetime.now(UTC) - timedelta(minutes=2)
            )
        )
    retried = _post(rotated)

    assert forged.status_code == 401
    assert {status for status, _ in rotated.attempts} == {503}
    assert retried.status_code == 200
    assert fake.jwks_requests - fetched_at_install == 2
    assert len(_inbox(engine)) == 2
