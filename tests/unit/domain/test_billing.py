"""Tiers, modules and Stripe's billing events: when "automatic order processing" is on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.billing import (
    BilledSubscription,
    BillingAccount,
    Module,
    ModuleState,
    clean_module,
    clean_tier,
    effective_tier,
    lapsed_modules,
    module_active,
    module_state,
)
from app.domain.billing_events import BillingCatalogue, apply_billing_event
from app.domain.errors import Invalid

AUTOMATION = Module.AUTOMATIC_ORDER_PROCESSING
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(days=7)
CATALOGUE = BillingCatalogue(
    tier_prices={"price_tier_3": 3, "price_tier_2": 2},
    module_prices={AUTOMATION: "price_automation"},
)


def _billed(status: str = "active", failed_days_ago: float | None = None, **changes):
    failed = NOW - timedelta(days=failed_days_ago) if failed_days_ago is not None else None
    values = {"modules": frozenset({AUTOMATION}), "payment_failed_at": failed, **changes}
    return BilledSubscription("sub_1", status, **values)


@pytest.mark.parametrize(
    ("account", "state"),
    [
        pytest.param(BillingAccount(tier=1), ModuleState.AVAILABLE, id="tier_1_case"),
        pytest.param(BillingAccount(tier=2), ModuleState.AVAILABLE, id="tier_2_case"),
        pytest.param(BillingAccount(tier=3), ModuleState.INCLUDED, id="tier_3_case"),
        pytest.param(BillingAccount(tier=4), ModuleState.INCLUDED, id="tier_4_case"),
        pytest.param(
            BillingAccount(enabled_modules=frozenset({AUTOMATION})),
            ModuleState.ACTIVE,
            id="operator_enabled_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed(),)), ModuleState.ACTIVE, id="bought_case"
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("trialing"),)),
            ModuleState.ACTIVE,
            id="trial_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("incomplete"),)),
            ModuleState.AVAILABLE,
            id="first_payment_not_made_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("past_due", failed_days_ago=6.9),)),
            ModuleState.GRACE,
            id="within_grace_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("past_due", failed_days_ago=7),)),
            ModuleState.LAPSED,
            id="grace_ended_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("canceled"),)),
            ModuleState.AVAILABLE,
            id="cancelled_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed(tier=3, modules=frozenset()),)),
            ModuleState.INCLUDED,
            id="billed_tier_3_case",
        ),
        pytest.param(
            BillingAccount(subscriptions=(_billed("past_due", 8, tier=3, modules=frozenset()),)),
            ModuleState.AVAILABLE,
            id="billed_tier_lapsed_case",
        ),
    ],
)
def test_module_state(account, state):
    assert module_state(account, AUTOMATION, NOW, GRACE) is state
    assert module_active(account, AUTOMATION, NOW, GRACE) is (
        state in {ModuleState.INCLUDED, ModuleState.ACTIVE, ModuleState.GRACE}
    )


def test_the_operators_tier_stands_when_stripe_bills_a_lower_one():
    account = BillingAccount(tier=3, subscriptions=(_billed(tier=2),))

    assert effective_tier(account, NOW, GRACE) == 3


def test_lapsed_modules_names_only_modules_that_stopped():
    lapsed = BillingAccount(subscriptions=(_billed("past_due", failed_days_ago=8),))
    still_paid = BillingAccount(tier=3, subscriptions=(_billed("past_due", failed_days_ago=8),))

    assert lapsed_modules(lapsed, NOW, GRACE) == [AUTOMATION]
    assert lapsed_modules(still_paid, NOW, GRACE) == []


@pytest.mark.parametrize("raw", ["0", "5", "three", "", "1.5"])
def test_clean_tier_refuses(raw):
    with pytest.raises(Invalid):
        clean_tier(raw)


def test_clean_tier_and_module_accept():
    assert clean_tier(" 3 ") == 3
    assert clean_module("Automatic-Order-Processing") is AUTOMATION
    with pytest.raises(Invalid, match="known: automatic_order_processing"):
        clean_module("fraud_shield")


def _event(kind: str, obj: dict, created: int = 1_000) -> dict:
    return {
        "id": f"evt_{kind}_{created}",
        "type": kind,
        "created": created,
        "data": {"object": obj},
    }


def _subscription(status: str = "active", price: str = "price_automation") -> dict:
    return {
        "id": "sub_1",
        "customer": "cus_1",
        "status": status,
        "items": {"data": [{"price": {"id": price}}]},
    }


def test_a_subscription_event_bills_the_modules_and_tier_of_its_prices():
    account = apply_billing_event(
        BillingAccount(), _event("customer.subscription.created", _subscription()), CATALOGUE
    )
    tiered = apply_billing_event(
        BillingAccount(),
        _event("customer.subscription.created", _subscription(price="price_tier_3")),
        CATALOGUE,
    )

    assert account.stripe_customer_id == "cus_1"
    assert account.subscription("sub_1") == BilledSubscription(
        "sub_1", "active", None, frozenset({AUTOMATION}), None, 1_000
    )
    assert tiered.subscription("sub_1").tier == 3


def test_an_older_subscription_event_loses_to_a_newer_one():
    newer = apply_billing_event(
        BillingAccount(),
        _event("customer.subscription.deleted", _subscription("canceled"), created=2_000),
        CATALOGUE,
    )

    after = apply_billing_event(
        newer, _event("customer.subscription.updated", _subscription(), created=1_000), CATALOGUE
    )

    assert after == newer
    assert after.subscription("sub_1").status == "canceled"


def test_the_first_failed_invoice_starts_the_grace_period_and_later_ones_do_not_move_it():
    account = apply_billing_event(
        BillingAccount(), _event("customer.subscription.created", _subscription()), CATALOGUE
    )
    invoice = {"id": "in_1", "customer": "cus_1", "subscription": "sub_1"}

    failed = apply_billing_event(
        account, _event("invoice.payment_failed", invoice, 5_000), CATALOGUE
    )
    again = apply_billing_event(failed, _event("invoice.payment_failed", invoice, 9_000), CATALOGUE)

    assert failed.subscription("sub_1").payment_failed_at == datetime.fromtimestamp(5_000, UTC)
    assert again == failed


def test_a_past_due_subscription_without_its_failed_invoice_starts_the_grace_period():
    account = apply_billing_event(
        BillingAccount(),
        _event("customer.subscription.updated", _subscription("past_due"), created=7_000),
        CATALOGUE,
    )

    assert account.subscription("sub_1").payment_failed_at == datetime.fromtimestamp(7_000, UTC)


def test_paying_again_ends_the_grace_period():
    failing = BillingAccount(subscriptions=(_billed("past_due", failed_days_ago=3),))

    paid = apply_billing_event(
        failing, _event("customer.subscription.updated", _subscription(), created=2**31), CATALOGUE
    )

    assert paid.subscription("sub_1").payment_failed_at is None
    assert module_state(paid, AUTOMATION, NOW, GRACE) is ModuleState.ACTIVE


def test_a_paid_checkout_turns_its_module_on_until_the_subscription_says_more():
    session = {
        "id": "cs_1",
        "customer": "cus_1",
        "subscription": "sub_9",
        "payment_status": "paid",
        "metadata": {"module": "automatic_order_processing"},
    }
    unpaid = {**session, "payment_status": "unpaid"}

    account = apply_billing_event(
        BillingAccount(), _event("checkout.session.completed", session), CATALOGUE
    )
    nothing = apply_billing_event(
        BillingAccount(), _event("checkout.session.completed", unpaid), CATALOGUE
    )

    assert module_state(account, AUTOMATION, NOW, GRACE) is ModuleState.ACTIVE
    assert module_state(nothing, AUTOMATION, NOW, GRACE) is ModuleState.AVAILABLE


def test_an_unknown_price_bills_nothing():
    account = apply_billing_event(
        BillingAccount(),
        _event("customer.subscription.created", _subscription(price="price_other")),
        CATALOGUE,
    )

    assert module_state(account, AUTOMATION, NOW, GRACE) is ModuleState.AVAILABLE
