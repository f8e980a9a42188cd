"""Webhook events the app subscribes to, and the rules for accepting a delivery."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class WebhookEvent(StrEnum):
    """Asynchronous Saleor events, named as in ``WebhookEventTypeAsyncEnum``."""

    ORDER_CREATED = "ORDER_CREATED"
    ORDER_CONFIRMED = "ORDER_CONFIRMED"
    ORDER_UPDATED = "ORDER_UPDATED"
    ORDER_PAID = "ORDER_PAID"
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
    def is_payment_event(self) -> bool:
        """The order was paid: charges the app asked for may have ended (ADR 13)."""
        return self in (WebhookEvent.ORDER_PAID, WebhookEvent.ORDER_FULLY_PAID)

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


@dataclass(frozen=True)
class WebhookSubscription:
    """One webhook of the app's manifest, as Saleor is asked to create it."""

    name: str
    target_url: str
    query: str
    async_events: tuple[str, ...]


@dataclass(frozen=True)
class WebhookPayload:
    """What the app reads in a webhook body, parsed by the Saleor adapter."""

    issued_by_id: str | None = None  # the issuingPrincipal's id (an app or a staff user)
    order_id: str | None = None  # the order an order or fulfilment event is about
    app_id: str | None = None  # the app an APP_DELETED event names
    # the event's ``__typename``: the signature covers the body, not the URL or the Saleor-Event
    # header, so only this binds a signed body to its event (every subscription selects it)
    type_name: str | None = None

    def is_body_of(self, event: WebhookEvent) -> bool:
        """True only when the signed body names ``event`` itself; a body without
        ``__typename`` (made by an older subscription) names no event and never matches."""
        return self.type_name is not None and self.type_name == event.type_name

    def is_issued_by(self, app_id: str) -> bool:
        """True when the event was caused by the app itself (its own mutations echo back)."""
        return self.issued_by_id is not None and self.issued_by_id == app_id
