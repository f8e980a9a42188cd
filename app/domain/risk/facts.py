"""What the risk signals read about one order and about the shop's recent orders."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.domain.money import Money
from app.domain.orders import Address


@dataclass(frozen=True)
class PaymentEvent:
    """A transaction event (or legacy payment) as Saleor reports it: its type and message."""

    kind: str  # TransactionEventTypeEnum value, e.g. "AUTHORIZATION_FAILURE"
    message: str


@dataclass(frozen=True)
class RiskLine:
    variant_id: str
    name: str
    quantity: int


@dataclass(frozen=True)
class RiskFacts:
    """An order as the risk review sees it (graphql/order_risk.graphql, parsed by the adapter).

    ``customer_order_count`` is how many orders Saleor holds under this email (this one
    included); None when Saleor did not say. ``card_key`` is brand, last digits and expiry of
    the card when Saleor has them (not a real fingerprint: Saleor exposes none)."""

    order_id: str
    number: str
    created_at: datetime | None
    email: str
    user_id: str | None
    customer_order_count: int | None
    billing_address: Address | None
    shipping_address: Address | None
    total: Money | None
    lines: tuple[RiskLine, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    payment_events: tuple[PaymentEvent, ...] = ()
    psp_references: tuple[str, ...] = ()
    card_key: str = ""

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].strip().lower() if "@" in self.email else ""

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def stripe_payment_intents(self) -> tuple[str, ...]:
        """The Stripe PaymentIntents behind the order's transactions (``pi_...``)."""
        return tuple(ref for ref in self.psp_references if ref.startswith("pi_"))


def inputs_digest(facts: RiskFacts) -> str:
    """A fingerprint of what the customer and the staff can change on the order: email,
    customer, addresses, total, lines and card. Payment events (a charge adds some) and the
    customer's order count (their next order changes it) are left out: they are not a change
    of this order."""
    parts = (
        facts.email.lower(),
        facts.user_id,
        facts.billing_address,
        facts.shipping_address,
        facts.total,
        sorted((line.variant_id, line.name, line.quantity) for line in facts.lines),
        facts.card_key,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def address_key(address: Address | None) -> str:
    """A shipping address reduced to what identifies a door: street, postcode, country."""
    if address is None:
        return ""
    parts = (address.street_address_1, address.street_address_2, address.postal_code)
    text = " ".join(" ".join(parts).lower().split())
    return f"{address.country_code.upper()}|{text}" if text else ""


@dataclass(frozen=True)
class PastOrder:
    """An order the app reviewed before, as kept with its review (the shop's own history)."""

    order_id: str
    created_at: datetime | None
    email: str
    address_key: str
    card_key: str
    ip_addresses: tuple[str, ...]
    total: Decimal | None
    currency: str


@dataclass(frozen=True)
class ShopHistory:
    """The shop's earlier orders the review compares with (every shop has its own)."""

    past_orders: tuple[PastOrder, ...] = field(default_factory=tuple)

    def totals(self, currency: str, excluding: str) -> list[Decimal]:
        return [
            o.total
            for o in self.past_orders
            if o.total is not None and o.currency == currency and o.order_id != excluding
        ]
