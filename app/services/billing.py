"""Tiers and add-on modules: the entitlement check, the operator's commands, the "Add-on
modules" section, Stripe Checkout and portal, Stripe's webhooks, and the lapse notice."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from app.domain.billing import (
    MODULE_TITLES,
    BillingAccount,
    Module,
    ModuleState,
    clean_module,
    clean_tier,
    effective_tier,
    grace_ends_at,
    lapsed_modules,
    module_state,
)
from app.domain.billing_events import (
    HANDLED_EVENTS,
    apply_billing_event,
    event_customer,
    event_installation_reference,
)
from app.domain.installations import InstallationId
from app.errors import Invalid, NotFound
from app.services.billing_ports import BillingConfig, BillingProvider
from app.services.channels import MailDefaults, smtp_for
from app.services.ports import Mailer, MailRejected, MailUnavailable, OutgoingEmail
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def module_active(
    uow: UnitOfWork,
    config: BillingConfig,
    installation_id: InstallationId,
    module: Module | str,
    now: datetime | None = None,
) -> bool:
    """The server-side entitlement every automatic action checks, inside its own unit of
    work: included in the shop's tier, enabled by the operator, or billed and paid up (an
    unpaid invoice keeps it on for the grace period)."""
    account = uow.billing.get(installation_id)
    return module_state(account, Module(module), now or _now(), config.grace) in {
        ModuleState.INCLUDED,
        ModuleState.ACTIVE,
        ModuleState.GRACE,
    }


def is_module_active(
    uow_factory: UnitOfWorkFactory,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    module: str,
) -> bool:
    """``module_active`` in a unit of work of its own (views, tasks)."""
    with uow_factory() as uow:
        return module_active(uow, billing_config, installation_id, module)


# --- the operator's commands (a deployment without Stripe) -----------------------------------


def _installation_by_domain(uow: UnitOfWork, domain: str) -> InstallationId:
    wanted = domain.strip().lower().removeprefix("https://").removeprefix("http://")
    wanted = wanted.split("/", 1)[0]
    for api_url in uow.installations.active_api_urls():
        parts = urlsplit(api_url)
        if wanted in {parts.netloc.lower(), (parts.hostname or "").lower()}:
            installation = uow.installations.get_active_by_api_url(api_url)
            if installation is not None and installation.id is not None:
                return installation.id
    raise NotFound(f"No installed shop at {wanted[:200]!r}.")


def set_tier(uow_factory: UnitOfWorkFactory, domain: str, tier: str) -> int:
    """The operator sets a shop's tier (1 to 4); Stripe's billed tier, if higher, still counts."""
    value = clean_tier(tier)
    with uow_factory() as uow:
        installation_id = _installation_by_domain(uow, domain)
        account = uow.billing.get(installation_id, for_update=True)
        uow.billing.save(installation_id, replace(account, tier=value))
        uow.commit()
    return value


def set_module_enabled(
    uow_factory: UnitOfWorkFactory, domain: str, module: str, enabled: bool
) -> Module:
    """The operator turns a module on or off for a shop (what Stripe bills is not touched)."""
    chosen = clean_module(module)
    with uow_factory() as uow:
        installation_id = _installation_by_domain(uow, domain)
        account = uow.billing.get(installation_id, for_update=True)
        modules = (
            account.enabled_modules | {chosen} if enabled else account.enabled_modules - {chosen}
        )
        uow.billing.save(installation_id, replace(account, enabled_modules=frozenset(modules)))
        uow.commit()
    return chosen


# --- the "Add-on modules" section -----------------------------------------------------------


@dataclass(frozen=True)
class ModuleRow:
    module: Module
    title: str
    state: ModuleState
    price: str
    included_from_tier: int
    grace_ends_at: datetime | None
    can_buy: bool


@dataclass(frozen=True)
class AddOnModules:
    tier: int
    tier_name: str
    modules: tuple[ModuleRow, ...]
    can_manage_billing: bool


def add_on_modules(
    uow_factory: UnitOfWorkFactory, billing_config: BillingConfig, installation_id: InstallationId
) -> AddOnModules:
    """Each module with its state (included in the tier / active / available with its price)."""
    from app.domain.billing import INCLUDED_FROM_TIER

    now = _now()
    with uow_factory() as uow:
        account = uow.billing.get(installation_id)
    tier = effective_tier(account, now, billing_config.grace)
    rows = []
    for module in Module:
        state = module_state(account, module, now, billing_config.grace)
        price_id = billing_config.catalogue.module_prices.get(module, "")
        rows.append(
            ModuleRow(
                module=module,
                title=MODULE_TITLES[module],
                state=state,
                price=billing_config.module_price_labels.get(module, ""),
                included_from_tier=INCLUDED_FROM_TIER[module],
                grace_ends_at=grace_ends_at(account, module, billing_config.grace),
                can_buy=billing_config.stripe_enabled
                and bool(price_id)
                and state in {ModuleState.AVAILABLE, ModuleState.LAPSED},
            )
        )
    return AddOnModules(
        tier=tier,
        tier_name=billing_config.tier_names[tier - 1],
        modules=tuple(rows),
        can_manage_billing=billing_config.stripe_enabled and bool(account.stripe_customer_id),
    )


def start_module_checkout(
    uow_factory: UnitOfWorkFactory,
    billing: BillingProvider,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    module: str,
) -> str:
    """A Stripe Checkout session for one module; the URL the merchant goes to."""
    chosen = clean_module(module)
    price_id = billing_config.catalogue.module_prices.get(chosen, "")
    if not billing_config.stripe_enabled or not price_id:
        raise Invalid("This module cannot be bought here; ask your provider.")
    with uow_factory() as uow:
        account = uow.billing.get(installation_id)
    state = module_state(account, chosen, _now(), billing_config.grace)
    if state not in {ModuleState.AVAILABLE, ModuleState.LAPSED}:
        raise Invalid(f"{MODULE_TITLES[chosen]} is already on for this shop.")
    done = f"{billing_config.app_url}/billing/done"
    return billing.create_checkout(
        price_id=price_id,
        customer_id=account.stripe_customer_id,
        installation_reference=str(installation_id),
        module=chosen,
        success_url=done,
        cancel_url=f"{done}?cancelled=1",
    )


def billing_portal_url(
    uow_factory: UnitOfWorkFactory,
    billing: BillingProvider,
    billing_config: BillingConfig,
    installation_id: InstallationId,
) -> str:
    """Stripe's customer portal for the shop's Stripe customer."""
    with uow_factory() as uow:
        customer_id = uow.billing.get(installation_id).stripe_customer_id
    if not billing_config.stripe_enabled or not customer_id:
        raise Invalid("This shop has nothing billed through Stripe yet.")
    return billing.create_portal(
        customer_id=customer_id, return_url=f"{billing_config.app_url}/billing/done"
    )


# --- Stripe's webhooks ----------------------------------------------------------------------


def _installation_for_event(uow: UnitOfWork, event: Any) -> InstallationId | None:
    reference = event_installation_reference(event)
    if reference.isdigit() and len(reference) < 12:
        installation = uow.installations.get(InstallationId(int(reference)))
        if installation is not None and installation.is_active:
            return InstallationId(int(reference))
        return None
    return uow.billing.installation_for_customer(event_customer(event))


def process_stripe_event(
    uow_factory: UnitOfWorkFactory,
    billing: BillingProvider,
    billing_config: BillingConfig,
    body: bytes,
    signature: str,
) -> str:
    """Apply one verified Stripe event to the shop's account, once per event id. Returns what
    happened: "applied", "duplicate", "ignored" (a type or shop it does not concern)."""
    event = billing.verified_event(body, signature)
    kind = str(event.get("type", ""))[:100]
    with uow_factory() as uow:
        installation_id = _installation_for_event(uow, event)
        if not uow.billing.record_event(str(event["id"]), kind, installation_id, _now()):
            return "duplicate"
        if kind not in HANDLED_EVENTS or installation_id is None:
            uow.commit()
            logger.info("Stripe event %s (%s) concerns no shop here", event["id"], kind)
            return "ignored"
        account = uow.billing.get(installation_id, for_update=True)
        changed = apply_billing_event(account, event, billing_config.catalogue)
        uow.billing.save(installation_id, changed)
        uow.commit()
    return "applied"


# --- the lapse notice -----------------------------------------------------------------------


def notify_lapsed_modules(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    billing_config: BillingConfig,
) -> int:
    """Tell each shop once, by email, that a module stopped after its grace period (the app
    page says so too). The notice is claimed before sending, and released if sending fails."""
    now, told = _now(), 0
    with uow_factory() as uow:
        accounts = uow.billing.with_subscriptions()
    for installation_id, account in accounts:
        lapsed = lapsed_modules(account, now, billing_config.grace)
        if not lapsed and account.lapse_notified_at is not None:
            _set_notified(uow_factory, installation_id, None)  # paid again: a next lapse tells
        if lapsed and account.lapse_notified_at is None:
            _set_notified(uow_factory, installation_id, now)
            if _send_lapse_email(uow_factory, mailer, defaults, installation_id, lapsed):
                told += 1
            else:
                _set_notified(uow_factory, installation_id, None)
    return told


def _set_notified(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, at: datetime | None
) -> None:
    with uow_factory() as uow:
        account: BillingAccount = uow.billing.get(installation_id, for_update=True)
        uow.billing.save(installation_id, replace(account, lapse_notified_at=at))
        uow.commit()


def _send_lapse_email(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    installation_id: InstallationId,
    lapsed: list[Module],
) -> bool:
    with uow_factory() as uow:
        settings = uow.settings.get(installation_id)
    smtp = smtp_for(settings, defaults)
    if smtp is None or "@" not in settings.merchant_email:
        logger.warning("installation %s: a module lapsed; no address to tell", installation_id)
        return True  # the app page says it; nothing to retry
    titles = ", ".join(MODULE_TITLES[m] for m in lapsed)
    email = OutgoingEmail(
        sender=smtp.sender,
        to=(settings.merchant_email,),
        subject=f"Drop-ship: {titles} stopped (payment failed)",
        text_body=(
            f"The payment for {titles} failed and the grace period has ended, so it has "
            "stopped for your shop. Update your card under Settings > Add-on modules > "
            "Manage billing in the Drop-ship app to turn it back on.\n"
        ),
        message_id=f"<billing-{installation_id}-{uuid.uuid4().hex}@{defaults.message_domain}>",
    )
    try:
        mailer.send(email, smtp)
    except (MailUnavailable, MailRejected) as error:
        logger.warning("installation %s: lapse notice not sent: %s", installation_id, error)
        return False
    return True
