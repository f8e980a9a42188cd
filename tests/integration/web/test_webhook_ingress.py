"""Webhook deliveries are answered before Flask's request machinery (ADR 18): the answers are
the ones Flask gives for the same request, headers, bodies and log lines included."""

from __future__ import annotations

import logging

import requests

from tests.builders import make_order

HOP_BY_HOP = {"content-length", "date", "server", "connection"}


def _delivery(fake, app):
    order = make_order()
    fake.add_order(order)
    return fake.send_event(app, "ORDER_CREATED", order_id=order["id"], post=False)


def _post(delivery, **header_changes):
    headers = {**delivery.headers, **header_changes}
    headers = {name: value for name, value in headers.items() if value is not None}
    return requests.post(delivery.target_url, data=delivery.body, headers=headers, timeout=5)


def _headers(response):
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}


def test_a_refusal_is_answered_as_flask_answers_it(installed):
    fake, live, app = installed
    delivery = _delivery(fake, app)
    unsigned = {"Saleor-Signature": None, "X-Saleor-Signature": None}

    by_ingress = _post(delivery, **unsigned)
    # a form body is left to Flask (its control-character hook reads forms), same refusal
    by_flask = _post(delivery, **unsigned, **{"Content-Type": "application/x-www-form-urlencoded"})

    assert by_ingress.status_code == by_flask.status_code == 400
    assert (
        by_ingress.json()
        == by_flask.json()
        == {
            "success": False,
            "error": {
                "code": "invalid",
                "message": "Missing Saleor-Signature header.",
                "field": "saleor-signature",
            },
        }
    )
    assert _headers(by_ingress) == _headers(by_flask)


def test_an_accepted_delivery_carries_the_security_headers(installed):
    fake, live, app = installed

    response = _post(_delivery(fake, app))

    assert response.status_code == 200
    assert response.json() == {"success": True, "outcome": "queued"}
    assert _headers(response) == {
        "content-type": "application/json",
        "content-security-policy": "frame-ancestors 'none'",
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin",
        "cache-control": "no-store",
    }


def test_a_refusal_is_logged_once_and_never_with_the_signature(installed, caplog):
    fake, live, app = installed
    delivery = _delivery(fake, app)
    forged = delivery.body.replace(b'"number"', b'"numbr"')

    with caplog.at_level(logging.INFO):
        response = requests.post(
            delivery.target_url, data=forged, headers=delivery.headers, timeout=5
        )

    assert response.status_code == 401
    lines = [r for r in caplog.records if "-> 401" in r.getMessage()]
    assert [r.getMessage() for r in lines] == [
        "POST /api/webhooks/order-created -> 401 unauthenticated: "
        "The webhook signature does not verify."
    ]
    assert all(delivery.headers["Saleor-Signature"] not in r.getMessage() for r in caplog.records)


def test_other_methods_and_unknown_events_are_left_to_flask(installed):
    fake, live, app = installed

    assert requests.get(f"{live.url}/api/webhooks/order-created", timeout=5).status_code == 405
    unknown = requests.post(f"{live.url}/api/webhooks/order-fulfilled", data=b"{}", timeout=5)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"


def test_a_chunked_body_is_read_up_to_the_limit(installed, engine):
    fake, live, app = installed
    delivery = _delivery(fake, app)
    limit = live.container.settings.max_webhook_body_bytes
    headers = {k: v for k, v in delivery.headers.items() if k.lower() != "content-length"}

    accepted = requests.post(
        delivery.target_url, data=iter([delivery.body]), headers=headers, timeout=5
    )
    too_large = requests.post(
        delivery.target_url, data=iter([b"x" * limit, b"y"]), headers=headers, timeout=10
    )

    assert accepted.status_code == 200 and accepted.json()["outcome"] == "queued"
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "too_large"
