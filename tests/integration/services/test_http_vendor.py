"""HTTP vendors end to end through the real dispatch path: a PO posted as signed JSON to a
vendor's system on loopback (tests/servers/http_vendor.py) that checks each signature and
answers 200, 500, a timeout, 4xx or a redirect, as its script says."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.http_vendor import RequestsPoster
from app.bootstrap import purchase_order_channels
from app.domain.purchase_orders import POStatus
from app.domain.vendor_http import EndpointPolicy
from app.domain.vendors import IntegrationKind
from app.services.channels import MailDefaults
from app.services.dispatch import SendOutcome, dispatch_purchase_order, send_key
from app.services.http_channel import HttpChannel
from app.services.http_ports import VendorUnavailable
from app.services.order_cancellations import cancel_order_purchase_orders
from app.services.purchase_orders import (
    create_purchase_orders,
    list_purchase_orders,
    send_purchase_order,
)
from app.services.vendors import rotate_vendor_signing_secret, save_vendor
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue
from tests.servers.http_vendor import Answer, HttpVendorServer, check_signature

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "docs" / "schemas" / "purchase-order.v1.json").read_text()
)
LOOPBACK = EndpointPolicy(private_hosts_allowed=True)
DEFAULTS = MailDefaults(smtp=None, message_domain="dropship.test")


@pytest.fixture
def vendor_server():
    with HttpVendorServer() as server:
        yield server


@pytest.fixture
def http_shop(catalogue, vendor_server):
    """Acme turned into an HTTP vendor posting to the loopback server, with its secret."""
    acme = save_vendor(
        catalogue.uow_factory,
        catalogue.installation_id,
        {
            "name": "Acme Supply",
            "code": "ACME",
            "currency": "USD",
            "integration": "http",
            "http_url": vendor_server.url,
            "http_timeout_seconds": "1",
            "po_notes": "Dock 4",
        },
        vendor_id=catalogue.acme.id,
        endpoint_policy=LOOPBACK,
    )
    vendor_server.secret = acme.http.signing_secret
    catalogue.acme = acme
    return catalogue


def _channels(private_hosts_allowed=True):
    poster = RequestsPoster(private_hosts_allowed=private_hosts_allowed)
    return purchase_order_channels(
        FakeMailer(), FakeDocuments(), DEFAULTS, http=HttpChannel(poster)
    )


def _create(shop):
    pos = create_purchase_orders(
        shop.uow_factory,
        RecordingTaskQueue(),
        shop.installation_id,
        shop.order_id,
        actor="staff@shop.test",
        send=True,
    )
    return next(po for po in pos if po.vendor_id == shop.acme.id)


def _dispatch(shop, po, *, final=False, token="task-1", channels=None, revision=0):
    return dispatch_purchase_order(
        shop.uow_factory,
        channels or _channels(),
        RecordingTaskQueue(),
        installation_id=shop.installation_id,
        po_id=po.id,
        revision=revision,
        actor="staff@shop.test",
        claim_token=token,
        final_attempt=final,
    )


def _po(shop, po):
    pos = list_purchase_orders(shop.uow_factory, shop.installation_id, shop.order_id)
    return next(p for p in pos if p.id == po.id)


def test_a_500_is_retried_and_the_retry_carries_the_same_idempotency_key(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    key = send_key(shop.installation_id, po)
    vendor_server.script(Answer(500, '{"error": "database down"}'), Answer(200))

    with pytest.raises(VendorUnavailable, match="HTTP 500") as raised:
        _dispatch(shop, po)
    assert raised.value.message == (
        'The vendor\'s endpoint answered HTTP 500: {"error": "database down"};'
        " it will be tried again."
    )
    assert _po(shop, po).status is POStatus.CREATED
    assert _dispatch(shop, po) is SendOutcome.SENT  # the task's retry

    sent = _po(shop, po)
    assert (sent.status, sent.sent_via, sent.revision) == (POStatus.SENT, "http", 1)
    first, second = vendor_server.received
    assert first.verified and second.verified
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == key
    assert first.headers["content-type"] == "application/json"
    assert first.headers["user-agent"].startswith("Saleor-Dropship/1")
    assert first.path == "/purchase-orders"
    document = second.document
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert (document["type"], document["revision"], document["send_id"]) == (
        "purchase_order",
        1,
        key,
    )
    assert (document["po_number"], document["order_number"], document["vendor_code"]) == (
        po.number,
        "1042",
        "ACME",
    )
    assert [
        (x["sku"], x["vendor_sku"], x["quantity"], x["unit_cost"]) for x in document["lines"]
    ] == [("SKU-1", "A-1", 2, "10.00")]
    assert (document["notes"], document["currency"]) == ("Dock 4", "USD")
    assert {k: v for k, v in first.document.items() if k != "sent_at"} == {
        k: v for k, v in document.items() if k != "sent_at"
    }


def test_a_timeout_is_retried(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    vendor_server.script(Answer(200, delay=3), Answer(200))

    with pytest.raises(VendorUnavailable, match="did not answer within 1 seconds"):
        _dispatch(shop, po)
    assert _po(shop, po).status is POStatus.CREATED

    assert _dispatch(shop, po) is SendOutcome.SENT
    assert [r.headers["idempotency-key"] for r in vendor_server.received] == [
        send_key(shop.installation_id, po)
    ] * 2


def test_the_last_attempt_of_an_outage_fails_the_po_with_the_reason(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    vendor_server.script(Answer(503, "maintenance"))

    assert _dispatch(shop, po, final=True) is SendOutcome.FAILED

    reason = _po(shop, po).failure_reason
    assert reason == (
        "The vendor's endpoint answered HTTP 503: maintenance. Tried once; it will not be tried"
        " again: fix the cause, then press Retry."
    )


def test_a_4xx_fails_the_send_at_once_with_the_status_and_a_bounded_excerpt(
    http_shop, vendor_server
):
    shop = http_shop
    po = _create(shop)
    secret = shop.acme.http.signing_secret
    answer = f"unknown sku SKU-1\n(secret was {secret}) " + "x" * 5000
    vendor_server.script(Answer(422, answer))

    assert _dispatch(shop, po) is SendOutcome.FAILED

    failed = _po(shop, po)
    assert failed.status is POStatus.SEND_FAILED
    assert failed.failure_reason.startswith(
        "The vendor's endpoint refused the PO with HTTP 422: unknown sku SKU-1 (secret was"
        " [redacted]) xxx"
    )
    assert secret not in failed.failure_reason
    assert len(failed.failure_reason) < 300
    assert len(vendor_server.received) == 1  # not retried


def test_a_redirect_is_not_followed(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    vendor_server.script(Answer(302, "", location=vendor_server.url + "/v2"))

    assert _dispatch(shop, po) is SendOutcome.FAILED

    assert "HTTP 302, a redirect to http://127.0.0.1" in _po(shop, po).failure_reason
    assert len(vendor_server.received) == 1


def test_the_vendors_check_rejects_a_tampered_body_or_a_stale_timestamp(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    _dispatch(shop, po)
    [genuine] = vendor_server.received
    headers = {k: v for k, v in genuine.headers.items() if k.startswith(("x-", "content-type"))}
    tampered = genuine.body.replace(b'"quantity":2', b'"quantity":20')

    answer = requests.post(vendor_server.url, data=tampered, headers=headers, timeout=5)

    assert answer.status_code == 401
    assert vendor_server.received[-1].problem == "bad signature"
    secret = vendor_server.secret
    assert check_signature(secret, genuine.headers, genuine.body) == ""
    stale = int(genuine.headers["x-dropship-timestamp"]) + 301
    assert check_signature(secret, genuine.headers, genuine.body, now=stale) == (
        "timestamp outside the replay window"
    )


def test_after_rotating_the_secret_the_vendor_with_the_old_one_refuses(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    old = shop.acme.http.signing_secret
    rotated = rotate_vendor_signing_secret(shop.uow_factory, shop.installation_id, shop.acme.id)
    assert rotated.http.signing_secret != old

    assert _dispatch(shop, po) is SendOutcome.FAILED  # the vendor still checks with the old one

    assert _po(shop, po).failure_reason.startswith(
        "The vendor's endpoint refused the PO with HTTP 401"
    )
    vendor_server.secret = rotated.http.signing_secret  # the merchant gave the vendor the new one
    send_purchase_order(
        shop.uow_factory, RecordingTaskQueue(), shop.installation_id, po.id, actor="m"
    )
    assert _dispatch(shop, po, token="task-2") is SendOutcome.SENT
    assert [r.verified for r in vendor_server.received] == [False, True]


def test_a_cancelled_order_sends_the_cancellation_as_the_next_revision(http_shop, vendor_server):
    shop = http_shop
    po = _create(shop)
    assert _dispatch(shop, po) is SendOutcome.SENT

    outcome = cancel_order_purchase_orders(
        shop.uow_factory, RecordingTaskQueue(), shop.installation_id, shop.order_id
    )
    assert po.number in outcome.requested
    assert _dispatch(shop, po, token="task-2", revision=1) is SendOutcome.SENT

    first, notice = vendor_server.received
    assert (first.document["type"], first.document["revision"]) == ("purchase_order", 1)
    assert (notice.document["type"], notice.document["revision"]) == (
        "purchase_order.cancelled",
        2,
    )
    assert notice.headers["idempotency-key"].endswith("-r2")
    assert notice.headers["idempotency-key"] != first.headers["idempotency-key"]
    assert _po(shop, po).status is POStatus.CANCEL_REQUESTED


def test_a_private_endpoint_is_refused_at_send_time_when_the_deployment_does_not_allow_it(
    http_shop, vendor_server
):
    shop = http_shop
    po = _create(shop)

    assert _dispatch(shop, po, channels=_channels(private_hosts_allowed=False)) is (
        SendOutcome.FAILED
    )

    assert "resolves to a private, loopback or link-local address" in (_po(shop, po).failure_reason)
    assert vendor_server.received == []


def test_an_http_vendor_without_an_endpoint_fails_with_what_to_do(catalogue):
    with catalogue.uow_factory() as uow:
        vendor = uow.vendors.get(catalogue.installation_id, catalogue.acme.id)
        vendor.integration = IntegrationKind.HTTP  # as a CSV import leaves it
        uow.vendors.update(catalogue.installation_id, vendor)
        uow.commit()
    po = _create(catalogue)

    assert _dispatch(catalogue, po) is SendOutcome.FAILED

    assert _po(catalogue, po).failure_reason == (
        "This vendor's endpoint URL is not set up: enter it on the vendor page, then resend."
    )


def test_the_signing_secret_is_stored_encrypted(http_shop, engine):
    secret = http_shop.acme.http.signing_secret

    with engine.connect() as connection:
        stored = connection.execute(
            select(tables.vendors.c.http_secret_encrypted).where(
                tables.vendors.c.id == http_shop.acme.id
            )
        ).scalar_one()

    assert secret.startswith("dsk_") and len(secret) > 40
    assert stored and secret not in stored
