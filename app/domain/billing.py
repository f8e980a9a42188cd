"""What a shop pays for: its tier (1 to 4) and its add-on modules, and whether a module is on.

A shop's billing account has two sources. The operator's (``flask set-plan`` / ``enable-module``,
for a deployment without Stripe) and Stripe's: one ``BilledSubscription`` per Stripe
subscription, kept in step by Stripe's webhooks. A module is on when the shop's tier includes
it, when the operator enabled it, or when a paid-up subscription bills it. A subscription whose
invoice failed stays paid up for a grace period, then stops counting ("lapsed").

"Plan" means a order's routing plan in this code base (app/domain/plans.py): billing says
"tier" and "module".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import Invalid

TIERS = (1, 2, 3, 4)
DEFAULT_GRACE = timedelta(days=7)


class Module(StrEnum):
    AUTOMATIC_ORDER_PROCESSING = "automatic_order_processing"


MODULE_TITLES = {Module.AUTOMATIC_ORDER_PROCESSING: "Automatic order processing"}
INCLUDED_FROM_TIER = {Module.AUTOMATIC_ORDER_PROCESSING: 3}

# Stripe subscription statuses (https://docs.stripe.com/api/subscriptions/object#subscription_object-status)
PAID_STATUSES = frozenset({"active", "trialing"})
FAILING_STATUSES = frozenset({"past_due", "unpaid"})


class ModuleState(StrEnum):
    INCLUDED = "included"  # the tier includes it
    ACTIVE = "active"  # enabled by the operator or billed and paid up
    GRACE = "grace"  # billed, an invoice failed, still on until the grace period ends
    LAPSED = "lapsed"  # billed, the grace period ended: off
    AVAILABLE = "available"  # can be bought


def clean_tier(value: object) -> int:
    """A tier from 1 to 4 (the CLI's and the settings' input)."""
    try:
        tier = int(str(value).strip())
    except ValueError:
        raise Invalid("The tier is a number from 1 to 4.", field="tier") from None
    if tier not in TIERS:
        raise Invalid("The tier is a number from 1 to 4.", field="tier")
    return tier


def clean_module(value: str) -> Module:
    try:
        return Module(value.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(module.value for module in Module)
        raise Invalid(f"Unknown module {value[:60]!r}; known: {known}.", field="module") from None


@dataclass(frozen=True)
class BilledSubscription:
    """One Stripe subscription of the shop as its last applied event described it."""

    subscription_id: str
    status: str
    tier: int | None = None  # a tier price among its items
    modules: frozenset[Module] = frozenset()
    payment_failed_at: datetime | None = None  # first failed invoice since it was last paid
    event_created: int = 0  # Stripe's ``created`` of the event applied last (older ones lose)

    def paid_up(self, now: datetime, grace: timedelta) -> bool:
        if self.payment_failed_at is not None:
            lapsed = now >= self.payment_failed_at + grace
            return not lapsed and self.status in PAID_STATUSES | FAILING_STATUSES
        return self.status in PAID_STATUSES

    def lapsed(self, now: datetime, grace: timedelta) -> bool:
        return self.payment_failed_at is not None and now >= self.payment_failed_at + grace


@dataclass(frozen=True)
class BillingAccount:
    """A shop's tier and modules: the operator's and those Stripe bills."""

    tier: int = 1
    enabled_modules: frozenset[Module] = frozenset()
    stripe_customer_id: str = ""
    subscriptions: tuple[BilledSubscription, ...] = field(default=())
    lapse_notified_at: datetime | None = None

    def subscription(self, subscription_id: str) -> BilledSubscription | None:
        return next((s for s in self.subscriptions if s.subscription_id == subscription_id), None)

    def with_subscription(self, billed: BilledSubscription) -> BillingAccount:
        others = tuple(s for s in self.subscriptions if s.subscription_id != billed.subscription_id)
        return replace(self, subscriptions=(*others, billed))


def effective_tier(account: BillingAccount, now: datetime, grace: timedelta) -> int:
    """The operator's tier or the highest tier a paid-up subscription bills."""
    billed = [s.tier for s in account.subscriptions if s.tier is not None and s.paid_up(now, grace)]
    return max([account.tier, *billed])


def module_state(
    account: BillingAccount, module: Module, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> ModuleState:
    """Why a module is on or off for the shop right now."""
    if effective_tier(account, now, grace) >= INCLUDED_FROM_TIER[module]:
        return ModuleState.INCLUDED
    if module in account.enabled_modules:
        return ModuleState.ACTIVE
    billing = [s for s in account.subscriptions if module in s.modules]
    if any(s.paid_up(now, grace) and s.payment_failed_at is None for s in billing):
        return ModuleState.ACTIVE
    if any(s.paid_up(now, grace) for s in billing):
        return ModuleState.GRACE
    if any(s.lapsed(now, grace) for s in billing):
        return ModuleState.LAPSED
    return ModuleState.AVAILABLE


def module_active(
    account: BillingAccount, module: Module, now: datetime, grace: timedelta = DEFAULT_GRACE
) -> bool:
    """The entitlement every automatic action checks."""
    return module_state(account, module, now, grace) in {
        ModuleState.INCLUDED,
        ModuleState.ACTIVE,
        ModuleState.GRACE,
    }


def lapsed_modules(account: BillingAccount, now: datetime, grace: timedelta) -> list[Module]:
    """Modules the shop had billed that stopped because the grace period ended."""
    return [m for m in Module if module_state(account, m, now, grace) is ModuleState.LAPSED]


def grace_ends_at(account: BillingAccount, module: Module, grace: timedelta) -> datetime | None:
    """When a module whose invoice failed stops, if it is billed by a failing subscription."""
    ends = [
        s.payment_failed_at + grace
        for s in account.subscriptions
        if module in s.modules and s.payment_failed_at is not None
    ]
    return min(ends) if ends else None
