"""Stripe's billing events applied to a shop's billing account (pure: dicts in, account out).

Events handled (https://docs.stripe.com/api/events/types): ``checkout.session.completed``,
``customer.subscription.created`` / ``.updated`` / ``.deleted`` and ``invoice.payment_failed``.
Stripe does not promise the order of events (https://docs.stripe.com/webhooks#event-ordering):
a subscription event older than the one applied last for that subscription is ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from app.domain.billing import FAILING_STATUSES, BilledSubscription, BillingAccount, Module

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.payment_failed",
    }
)
MAX_ID_LENGTH = 255


@dataclass(frozen=True)
class BillingCatalogue:
    """The deployment's Stripe prices: which price id bills which tier or module."""

    tier_prices: Mapping[str, int]  # Stripe price id -> tier
    module_prices: Mapping[Module, str]  # module -> Stripe price id

    def module_for_price(self, price_id: str) -> Module | None:
        return next((m for m, p in self.module_prices.items() if p == price_id), None)


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any) -> str:
    """An id from the event (a string, or an expanded object's id), bounded."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value[:MAX_ID_LENGTH] if isinstance(value, str) else ""


def event_installation_reference(event: Mapping[str, Any]) -> str:
    """The installation id the app put on the Checkout session or subscription, if any."""
    obj = _get(event, "data", "object")
    return _text(_get(obj, "client_reference_id")) or _text(
        _get(obj, "metadata", "installation_id")
    )


def event_customer(event: Mapping[str, Any]) -> str:
    return _text(_get(event, "data", "object", "customer"))


def _price_ids(subscription: Any) -> list[str]:
    items = _get(subscription, "items", "data")
    if not isinstance(items, list):
        return []
    return [_text(_get(item, "price")) for item in items[:50]]


def _billed_from_subscription(
    subscription: Any,
    catalogue: BillingCatalogue,
    created: int,
    previous: BilledSubscription | None,
) -> BilledSubscription:
    prices = _price_ids(subscription)
    tiers = [catalogue.tier_prices[p] for p in prices if p in catalogue.tier_prices]
    modules = frozenset(m for p in prices if (m := catalogue.module_for_price(p)) is not None)
    status = _text(_get(subscription, "status"))[:40] or "incomplete"
    failed_at = previous.payment_failed_at if previous else None
    if status in {"active", "trialing"}:
        failed_at = None  # paid again: the grace period is over, the module stays on
    elif status in FAILING_STATUSES and failed_at is None:
        failed_at = datetime.fromtimestamp(created, UTC)  # its failed invoice came late or not
    return BilledSubscription(
        subscription_id=_text(_get(subscription, "id")),
        status=status,
        tier=max(tiers) if tiers else None,
        modules=modules,
        payment_failed_at=failed_at,
        event_created=created,
    )


def apply_billing_event(
    account: BillingAccount, event: Mapping[str, Any], catalogue: BillingCatalogue
) -> BillingAccount:
    """The account after the event; unchanged for an event it does not concern or a late one."""
    kind = event.get("type")
    created = event.get("created")
    created = created if isinstance(created, int) else 0
    obj = _get(event, "data", "object")
    customer = event_customer(event)
    if customer and not account.stripe_customer_id:
        account = replace(account, stripe_customer_id=customer)
    if kind == "checkout.session.completed":
        return _checkout_completed(account, obj, created)
    if isinstance(kind, str) and kind.startswith("customer.subscription."):
        subscription_id = _text(_get(obj, "id"))
        previous = account.subscription(subscription_id)
        if not subscription_id or (previous and previous.event_created > created):
            return account
        billed = _billed_from_subscription(obj, catalogue, created, previous)
        if kind == "customer.subscription.deleted":
            billed = replace(billed, status="canceled")
        return account.with_subscription(billed)
    if kind == "invoice.payment_failed":
        return _payment_failed(account, obj, created)
    return account


def _checkout_completed(account: BillingAccount, session: Any, created: int) -> BillingAccount:
    """A paid Checkout for a module: on at once, until the subscription's events say more."""
    subscription_id = _text(_get(session, "subscription"))
    if not subscription_id or account.subscription(subscription_id) is not None:
        return account
    if _get(session, "payment_status") not in {"paid", "no_payment_required"}:
        return account
    try:
        module = Module(_text(_get(session, "metadata", "module")))
    except ValueError:
        return account
    return account.with_subscription(
        BilledSubscription(subscription_id, "active", modules=frozenset({module}))
    )


def _payment_failed(account: BillingAccount, invoice: Any, created: int) -> BillingAccount:
    """The first failed invoice starts the grace period; later failures do not extend it."""
    subscription_id = _text(_get(invoice, "subscription")) or _text(
        _get(invoice, "parent", "subscription_details", "subscription")
    )
    billed = account.subscription(subscription_id)
    if billed is None or billed.payment_failed_at is not None:
        return account
    failed_at = datetime.fromtimestamp(created, UTC)
    return account.with_subscription(replace(billed, payment_failed_at=failed_at))
