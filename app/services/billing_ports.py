"""What billing needs from Stripe, and the deployment's billing configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from app.domain.billing import Module
from app.domain.billing_events import BillingCatalogue
from app.errors import Retryable, Unauthenticated


class BillingUnavailable(Retryable):
    """Stripe could not be reached or failed; try again later."""


class EventRejected(Unauthenticated):
    """A Stripe webhook whose signature is wrong, missing or too old."""


@dataclass(frozen=True)
class BillingConfig:
    """The deployment's tiers and module prices (names and prices are its settings)."""

    stripe_enabled: bool
    catalogue: BillingCatalogue
    tier_names: tuple[str, ...]
    tier_prices: tuple[str, ...]
    module_price_labels: Mapping[Module, str]
    grace: timedelta
    app_url: str


class BillingProvider(Protocol):
    def create_checkout(
        self,
        *,
        price_id: str,
        customer_id: str,
        installation_reference: str,
        module: Module,
        success_url: str,
        cancel_url: str,
    ) -> str:
        """A Checkout session in subscription mode; returns the URL to send the merchant to."""
        ...

    def create_portal(self, *, customer_id: str, return_url: str) -> str:
        """A customer-portal session; returns its URL."""
        ...

    def verified_event(self, body: bytes, signature_header: str) -> Mapping[str, Any]:
        """The event in ``body`` if ``Stripe-Signature`` proves it is Stripe's and recent;
        raises EventRejected otherwise."""
        ...
