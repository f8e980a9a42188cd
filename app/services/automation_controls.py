"""Automatic order processing, the merchant's side: Hold / Resume per order, the shop's rules
(Settings -> Automation), and what the widget and the "Needs attention" tab show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from app.domain.automation import AutomationRules, HoldReason, hold_reasons
from app.domain.installations import InstallationId
from app.errors import Invalid, NotAllowed, Permanent
from app.services.automation import MODULE, enqueue_advance, order_facts
from app.services.billing import module_active
from app.services.billing_ports import BillingConfig
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


def set_order_held(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    held: bool,
    actor: str,
) -> None:
    """The widget's "Hold" / "Resume": automation leaves the order alone until resumed."""
    with uow_factory() as uow:
        if uow.orders.get(installation_id, order_id) is None:
            raise Permanent("This order has not reached the app yet.")
        uow.automation.set_held(installation_id, order_id, held, datetime.now(UTC))
        verb = "held" if held else "resumed"
        queue_write_back(
            uow, queue, installation_id, order_id, f"Drop-ship automation {verb} by {actor}."
        )
        if not held:
            uow.after_commit(lambda: enqueue_advance(queue, installation_id, order_id))
        uow.commit()


@dataclass(frozen=True)
class OrderAutomation:
    """The widget's view: whether automation runs for the order, and why it waits."""

    active: bool
    step: str
    reasons: tuple[HoldReason, ...]
    held_by_merchant: bool


def order_automation(
    uow_factory: UnitOfWorkFactory,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    order_id: str,
) -> OrderAutomation:
    with uow_factory() as uow:
        active = module_active(uow, billing_config, installation_id, MODULE)
        state = uow.automation.get(installation_id, order_id)
        order = uow.orders.get(installation_id, order_id)
        reasons: tuple[HoldReason, ...] = ()
        if active and order is not None:
            held = bool(state and state.held_by_merchant)
            facts = order_facts(uow, installation_id, order, held)
            reasons = tuple(hold_reasons(facts, uow.automation.rules(installation_id)))
    return OrderAutomation(
        active=active,
        step=state.step if state else "new",
        reasons=reasons,
        held_by_merchant=bool(state and state.held_by_merchant),
    )


@dataclass(frozen=True)
class HeldOrder:
    order_id: str
    number: str
    reasons: tuple[HoldReason, ...]
    since: datetime


def needs_attention(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> list[HeldOrder]:
    """The app page's "Needs attention": orders automation holds, and why."""
    with uow_factory() as uow:
        rows = uow.automation.needs_attention(installation_id)
    return [
        HeldOrder(state.order_id, number, state.reasons, state.updated_at) for state, number in rows
    ]


def get_automation_rules(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId
) -> AutomationRules:
    with uow_factory() as uow:
        return uow.automation.rules(installation_id)


def save_automation_rules(
    uow_factory: UnitOfWorkFactory,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    rules: AutomationRules,
) -> AutomationRules:
    """Settings -> Automation; only while the module is active for the shop."""
    with uow_factory() as uow:
        if not module_active(uow, billing_config, installation_id, MODULE):
            raise NotAllowed("Automatic order processing is not active for this shop.")
        uow.automation.save_rules(installation_id, rules)
        uow.commit()
    return rules


def clean_automation_form(data: dict[str, str]) -> AutomationRules:
    """The Settings -> Automation form into rules; a bad field names itself."""
    try:
        hold_minutes = int(data.get("hold_minutes", "0").strip() or "0")
    except ValueError:
        raise Invalid("Enter the hold window in whole minutes.", field="hold_minutes") from None
    if not 0 <= hold_minutes <= 10_080:
        raise Invalid("The hold window is 0 to 10080 minutes (7 days).", field="hold_minutes")
    raw_total = data.get("max_total", "").strip()
    try:
        max_total = Decimal(raw_total) if raw_total else None
    except ArithmeticError:
        raise Invalid("Enter the limit as an amount, e.g. 500.00.", field="max_total") from None
    if max_total is not None and (not max_total.is_finite() or max_total < 0):
        raise Invalid("Enter the limit as an amount, e.g. 500.00.", field="max_total")
    vendors = data.get("vendors_needing_approval", "")
    try:
        approval = frozenset(int(v) for v in vendors.split(",") if v.strip())
    except ValueError:
        raise Invalid("Choose vendors from the list.", field="vendors_needing_approval") from None
    return AutomationRules(
        paused=data.get("paused") == "1",
        charge_automatically=data.get("charge_automatically") == "1",
        hold_minutes=hold_minutes,
        max_total=max_total,
        vendors_needing_approval=approval,
    )
