"""A small Stripe billing fake over HTTP on loopback: what localstripe (1.15) lacks.

localstripe serves customers, subscriptions and invoices, but no Checkout sessions
(``/v1/checkout/sessions``) and no billing portal (``/v1/billing_portal/sessions``), and it
cannot be told to fail an invoice on demand: this fake serves those two endpoints as the
``stripe`` library calls them (form-encoded POSTs, Bearer key) and plays Stripe's side of a
subscription's life by posting events to the app, signed exactly as Stripe signs them
(``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the whsec_
secret>``; https://docs.stripe.com/webhooks#verify-manually).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tests.servers.fake_saleor.server import BackgroundServer

SECRET_KEY = "sk_test_dropship_billing"
WEBHOOK_SECRET = "whsec_dropship_billing_test_secret"


def stripe_signature(body: bytes, secret: str, timestamp: int) -> str:
    signed = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


def _nested(form: MultiDict[str, str]) -> dict[str, Any]:
    """Stripe's form encoding (``line_items[0][price]=...``) back into a dict."""
    result: dict[str, Any] = {}
    for key, value in form.items(multi=True):
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


@dataclass
class StripeBillingFake:
    """Checkout sessions and portal sessions, and the events of the subscriptions they made."""

    webhook_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portals: list[dict[str, Any]] = field(default_factory=list)
    sent: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self._server = BackgroundServer(self._wsgi)

    def __enter__(self) -> StripeBillingFake:
        self._server.start()
        self.url = f"http://127.0.0.1:{self._server.port}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            answer = {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
            return Response(json.dumps(answer), 401, mimetype="application/json")(
                environ, start_response
            )
        params = _nested(request.form)
        if request.path == "/v1/checkout/sessions" and request.method == "POST":
            body = self._checkout(params)
        elif request.path == "/v1/billing_portal/sessions" and request.method == "POST":
            body = {"id": self._id("bps"), "object": "billing_portal.session", **params}
            body["url"] = f"{self.url}/portal/{body['id']}"
            self.portals.append(body)
        else:
            return Response("{}", 404, mimetype="application/json")(environ, start_response)
        return Response(json.dumps(body), 200, mimetype="application/json")(environ, start_response)

    def _checkout(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = self._id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/checkout/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "customer": params.get("customer"),
            "subscription": None,
            **{k: v for k, v in params.items() if k != "customer"},
        }
        self.sessions[session_id] = session
        return session

    # --- Stripe's side: events, signed and posted to the app --------------------------------

    def post_event(
        self,
        kind: str,
        obj: dict[str, Any],
        *,
        created: int | None = None,
        event_id: str | None = None,
        signed_at: int | None = None,
        secret: str = WEBHOOK_SECRET,
    ) -> requests.Response:
        event = {
            "id": event_id or self._id("evt"),
            "object": "event",
            "type": kind,
            "created": created or int(time.time()),
            "data": {"object": obj},
        }
        return self.post_raw(json.dumps(event).encode(), signed_at=signed_at, secret=secret)

    def post_raw(
        self, body: bytes, *, signed_at: int | None = None, secret: str = WEBHOOK_SECRET
    ) -> requests.Response:
        header = stripe_signature(body, secret, signed_at or int(time.time()))
        self.sent.append((json.loads(body), len(body)))
        return requests.post(
            self.webhook_url,
            data=body,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            timeout=10,
        )

    def complete_checkout(self, session_id: str, *, created: int | None = None) -> dict[str, Any]:
        """The merchant paid: Stripe creates the customer and subscription and sends
        ``customer.subscription.created`` then ``checkout.session.completed``."""
        session = self.sessions[session_id]
        session["customer"] = session["customer"] or self._id("cus")
        session["subscription"] = self._id("sub")
        session.update(status="complete", payment_status="paid")
        subscription = self.subscription(session, "active")
        self.post_event("customer.subscription.created", subscription, created=created)
        self.post_event("checkout.session.completed", session, created=created)
        return subscription

    def subscription(self, session: dict[str, Any], status: str) -> dict[str, Any]:
        price = session["line_items"]["0"]["price"]
        return {
            "id": session["subscription"],
            "object": "subscription",
            "customer": session["customer"],
            "status": status,
            "metadata": session["subscription_data"]["metadata"],
            "items": {"object": "list", "data": [{"id": "si_1", "price": {"id": price}}]},
        }

    def invoice(self, subscription: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self._id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "subscription": subscription["id"],
            "status": "open",
        }
