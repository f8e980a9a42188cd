"""Webhook payloads (the app's subscription executed over event data), signing and delivery."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLSchema, execute_sync

from .auth import RequestContext, app_principal
from .data import DataStore, app_node
from .http_client import BASE_HEADERS, NETWORK_ERRORS, send
from .keys import SigningKey
from .models import SALEOR_VERSION, InstalledApp, WebhookDelivery
from .resolvers import field_resolver
from .schema import parse_cached

MAX_RETRIES = 5  # Saleor: max_retries=5, countdown 10 * 2**n seconds


class WebhookPayloadError(Exception):
    """The subscription could not be executed over the given test data."""


def event_type_name(event: str, schema: GraphQLSchema) -> str:
    """ORDER_CREATED -> OrderCreated (the schema's Event implementation)."""
    name = "".join(part.capitalize() for part in event.split("_"))
    if name not in schema.type_map:
        raise ValueError(f"no Event type {name!r} for {event} in the schema")
    return name


def find_webhook(app: InstalledApp, event: str) -> dict[str, Any] | None:
    """The app's active webhook subscribed to `event` (asyncEvents)."""
    return next(
        (
            h
            for h in app.webhooks
            if h.get("isActive", True) and event in (h.get("asyncEvents") or [])
        ),
        None,
    )


def build_event_data(
    schema: GraphQLSchema,
    app: InstalledApp,
    event: str,
    order: dict[str, Any] | None,
    issuing_principal: dict[str, Any] | None,
    extra: dict[str, Any] | None,
) -> dict[str, Any]:
    """The root value behind `event { ... }` for one delivery."""
    node = app_node(app)
    data: dict[str, Any] = {
        "__typename": event_type_name(event, schema),
        "issuedAt": datetime.now(UTC).isoformat(),
        "version": SALEOR_VERSION,
        "issuingPrincipal": issuing_principal,
        "recipient": node,
        "order": order,
        "app": node,
    }
    data.update(extra or {})
    return data


def _subscription_field(event: str) -> str:
    """ORDER_CREATED -> orderCreated (the top-level subscription field form)."""
    first, *rest = event.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


def render_payload(
    schema: GraphQLSchema,
    store: DataStore,
    app: InstalledApp,
    query: str,
    event_data: dict[str, Any],
    event: str,
) -> bytes:
    """Execute the subscription as the app; body = json.dumps of the single root field's data."""
    root = {"event": event_data, _subscription_field(event): event_data}
    ctx = RequestContext(app_principal(app), store)
    result = execute_sync(
        schema,
        parse_cached(query),
        root_value=root,
        context_value=ctx,
        field_resolver=field_resolver,
    )
    if result.errors or not result.data:
        raise WebhookPayloadError(f"{event} subscription failed: {result.errors}")
    (value,) = result.data.values()
    return json.dumps(value).encode("utf-8")


def webhook_headers(event: str, domain: str, api_url: str, signature: str) -> list[tuple[str, str]]:
    """Headers in the order Saleor 3.23 sends them (Content-Length/Host follow)."""
    name = event.lower()
    return [
        *BASE_HEADERS,
        ("Content-Type", "application/json"),
        ("X-Saleor-Event", name),
        ("X-Saleor-Domain", domain),
        ("X-Saleor-Signature", signature),
        ("Saleor-Event", name),
        ("Saleor-Domain", domain),
        ("Saleor-Signature", signature),
        ("Saleor-Api-Url", api_url),
    ]


def signed_delivery(
    event: str, target_url: str, body: bytes, key: SigningKey, domain: str, api_url: str
) -> WebhookDelivery:
    """A not-yet-sent delivery carrying the signed headers."""
    headers = webhook_headers(event, domain, api_url, key.sign_detached(body))
    return WebhookDelivery(event=event, target_url=target_url, body=body, headers=dict(headers))


def deliver(
    delivery: WebhookDelivery, *, retry_delays: Sequence[float], timeout: tuple[float, float]
) -> WebhookDelivery:
    """POST with Saleor's policy: retry network errors, timeouts and 5xx up to 5 times."""
    headers = list(delivery.headers.items())
    for attempt in range(MAX_RETRIES + 1):
        try:
            response = send("POST", delivery.target_url, headers, delivery.body, timeout=timeout)
        except NETWORK_ERRORS as exc:
            delivery.attempts.append((None, f"{type(exc).__name__}: {exc}"))
        else:
            delivery.attempts.append((response.status, ""))
            delivery.last_response_body = response.body
            if 200 <= response.status < 300:
                delivery.delivered = True
                return delivery
            if response.status < 500:
                return delivery
        if attempt < MAX_RETRIES and retry_delays:
            time.sleep(retry_delays[min(attempt, len(retry_delays) - 1)])
    return delivery
