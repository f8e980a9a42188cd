"""Webhook events the app subscribes to, and the rules for accepting a delivery."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class WebhookEvent(StrEnum):
    """Asynchronous Saleor events, named as in ``WebhookEventTypeAsyncEnum``."""

    ORDER_CREATED = "ORDER_CREATED"
    ORDER_CONFIRMED = "ORDER_CONFIRMED"
    ORDER_FULLY_PAID = "ORDER_FULLY_PAID"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    FULFILLMENT_CREATED = "FULFILLMENT_CREATED"
    FULFILLMENT_CANCELED = "FULFILLMENT_CANCELED"
    APP_DELETED = "APP_DELETED"

    @classmethod
    def from_header(cls, value: str) -> WebhookEvent | None:
        """Saleor sends the event name in lower case (``order_created``)."""
        try:
            return cls(value.strip().upper())
        except ValueError:
            return None

    @property
    def slug(self) -> str:
        """The path segment of the event's endpoint: ``order-created``."""
        return self.value.lower().replace("_", "-")

    @property
    def type_name(self) -> str:
        """The schema's Event type Saleor sends for it: ORDER_CREATED -> ``OrderCreated``."""
        return "".join(part.capitalize() for part in self.value.split("_"))

    @property
    def is_order_event(self) -> bool:
        """Events about one order: the worker reads the order back."""
        return self.value.startswith(("ORDER_", "FULFILLMENT_"))

    @property
    def is_fulfilment_event(self) -> bool:
        """Fulfilments made or cancelled outside the app are reconciled into the PO view."""
        return self.value.startswith("FULFILLMENT_")


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    SKIPPED = "skipped"
    FAILED = "failed"


def body_digest(body: bytes) -> str:
    """Saleor's retries resend the stored payload byte for byte, so the hash identifies it."""
    return hashlib.sha256(body).hexdigest()


def is_body_of(payload: Mapping[str, Any], event: WebhookEvent) -> bool:
    """True only when the signed body names ``event`` itself (its ``__typename``).

    The signature covers the body, not the URL or the Saleor-Event header, so a genuine body of
    one event could be replayed to another endpoint. Every subscription in ``webhooks/`` selects
    ``event { __typename }``; a body without it (made by an older subscription) names no event
    and never matches.
    """
    return payload.get("__typename") == event.type_name


def is_issued_by(payload: Mapping[str, Any], app_id: str) -> bool:
    """True when the event was caused by the app itself (its own mutations echo back)."""
    principal = payload.get("issuingPrincipal")
    return isinstance(principal, Mapping) and principal.get("id") == app_id


def order_id_of(payload: Mapping[str, Any]) -> str | None:
    """The Saleor order id an order event is about, if the payload carries one."""
    order = payload.get("order")
    if isinstance(order, Mapping) and isinstance(order.get("id"), str):
        return str(order["id"])
    return None
