"""Automatic order processing (issue 13): advance an order one step at a time through the same
services as the merchant's buttons, or hold it with its reasons.

Exactly once comes from those services, not from here: ``approve_order`` records one decision
(a second finds it taken), ``charge_order`` allows one charge in flight per order and charges
nothing when the order is paid, ``create_purchase_orders`` never puts a line on two open POs,
sends go through the outbound table's idempotency key, completion is a state. On top, a short
lease keeps two runs (webhook retries, the sweep, a worker restarted mid-run) from working on
the same order at once, and every run starts again from the stored facts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from app.domain.automation import (
    ChargeState,
    HoldReason,
    OrderFacts,
    Step,
    StepKind,
    Verdict,
    next_step,
)
from app.domain.billing import Module
from app.domain.installations import InstallationId
from app.domain.orders import DropShipState, Order
from app.domain.payments import AttemptStatus, PaymentAction
from app.errors import NoOp, Permanent, Retryable
from app.services import charges, orders, purchase_orders, risk_reviews, tasks
from app.services.billing import module_active
from app.services.billing_ports import BillingConfig
from app.services.ports import RadarReader, SaleorGateway, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

logger = logging.getLogger(__name__)

ACTOR = "automatic"
MODULE = Module.AUTOMATIC_ORDER_PROCESSING
LEASE = timedelta(seconds=120)
# Held orders are looked at again every 5 minutes (the merchant may have approved or charged
# by hand), orders waiting for tracking every hour (a written shipment queues a run at once);
# database reads only.
RECHECK_HELD = timedelta(minutes=5)
RECHECK_WAITING = timedelta(hours=1)
ACTIONS = frozenset(
    {StepKind.REVIEW, StepKind.APPROVE, StepKind.CHARGE, StepKind.CREATE_POS, StepKind.COMPLETE}
)
MAX_STEPS = 6  # one run: review, approve, charge or create POs, and no more
PAID = ("FULL", "OVERCHARGED")
NOT_CHARGED_AFTER = (AttemptStatus.DECLINED, AttemptStatus.NO_ANSWER, AttemptStatus.NO_GATEWAY)


class OrderBusy(Retryable):
    """Another run holds the order's lease; this run tries again after a backoff, so facts
    that arrived during the other run are not left for the periodic recheck."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Advanced:
    """How a run ended: the last step, its hold reasons, and the steps it took."""

    step: StepKind
    reasons: tuple[HoldReason, ...] = ()
    taken: tuple[StepKind, ...] = ()


def _placed_at(order: Order) -> datetime:
    raw = order.info.raw.get("created")
    try:
        placed = datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        placed = None
    if placed is None:
        return _now()
    return placed if placed.tzinfo else placed.replace(tzinfo=UTC)


def _charge_state(uow: UnitOfWork, installation_id: InstallationId, order: Order) -> ChargeState:
    """The order's payment as automation sees it: Saleor's copy first, then the app's charge."""
    info = order.info
    if info.is_paid or info.charge_status in PAID:
        return ChargeState.CHARGED
    attempts = [
        attempt
        for attempt in uow.payments.list_for_order(installation_id, info.id)
        if attempt.action is PaymentAction.CHARGE
    ]
    latest = max(attempts, key=lambda attempt: attempt.id, default=None)
    if latest is not None and latest.status.in_flight:
        return ChargeState.PENDING
    if latest is not None and latest.status is AttemptStatus.APPROVED:
        return ChargeState.CHARGED  # Saleor's copy has not caught up yet
    if latest is not None and latest.status in NOT_CHARGED_AFTER:
        return ChargeState.DECLINED
    if str(info.raw.get("authorizeStatus") or "") == "FULL":
        return ChargeState.CHARGEABLE
    return ChargeState.UNPAID


def order_facts(
    uow: UnitOfWork, installation_id: InstallationId, order: Order, held_by_merchant: bool
) -> OrderFacts:
    """The plain facts the rules need, from the app's own copy (no Saleor call)."""
    review = uow.risk_reviews.get(installation_id, order.saleor_order_id)
    plan = orders.load_plan(uow, installation_id, order)
    pos = uow.purchase_orders.list_for_order(installation_id, order.saleor_order_id)
    total = order.info.total
    return OrderFacts(
        placed_at=_placed_at(order),
        verdict=Verdict(review.verdict.value) if review else None,
        decision=review.decision.value if review and review.decision else None,
        charge=_charge_state(uow, installation_id, order),
        line_vendors=tuple(line.vendor_id for line in plan.lines),
        total=total.amount if total else None,
        customer_note=str(order.info.raw.get("customerNote") or "")[:2000],
        held_by_merchant=held_by_merchant,
        has_open_pos=any(po.status.is_open for po in pos),
        all_drop_shipped_fulfilled=order.is_fully_fulfilled(plan.drop_shipped_line_ids),
        complete=order.state is DropShipState.COMPLETE,
        gate_codes=tuple(
            reason.code.value
            for reason in purchase_orders.order_hold_reasons(uow, installation_id, order)
        ),
    )


def _look(
    uow_factory: UnitOfWorkFactory,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    order_id: str,
) -> Step | None:
    """The next step, or None when automation is off for the shop or the order is unknown."""
    with uow_factory() as uow:
        if not module_active(uow, billing_config, installation_id, MODULE):
            return None
        order = uow.orders.get(installation_id, order_id)
        if order is None:
            return None
        state = uow.automation.get(installation_id, order_id)
        rules = uow.automation.rules(installation_id)
        facts = order_facts(uow, installation_id, order, bool(state and state.held_by_merchant))
    return next_step(facts, rules, _now())


def advance_order(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    radar: RadarReader,
    queue: TaskQueue,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    order_id: str,
) -> Advanced:
    """Take the order as far as the rules allow now, by the buttons' own services (actor
    "automatic"), and record where it stopped; a shop without the module gets nothing done."""
    now = _now()
    with uow_factory() as uow:
        if not module_active(uow, billing_config, installation_id, MODULE):
            raise NoOp("Automatic order processing is not active for this shop.")
        if not uow.automation.claim(installation_id, order_id, now, now + LEASE):
            uow.commit()
            raise OrderBusy("Another run is advancing this order: looking again shortly.")
        uow.commit()
    taken: list[StepKind] = []
    step = Step(StepKind.DONE)
    try:
        for _ in range(MAX_STEPS):
            looked = _look(uow_factory, billing_config, installation_id, order_id)
            if looked is None:
                step = Step(StepKind.DONE)
                break
            step = looked
            if step.kind in ACTIONS:
                taken.append(step.kind)
            if not _take(uow_factory, saleor, radar, queue, installation_id, order_id, step):
                break
    finally:
        _record(uow_factory, queue, installation_id, order_id, step)
    return Advanced(step.kind, step.reasons, tuple(taken))


class _Ids(TypedDict):
    installation_id: InstallationId
    order_id: str


def _take(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    radar: RadarReader,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    step: Step,
) -> bool:
    """Do one step; True when the run should look again at once (the step finished here)."""
    ids = _Ids(installation_id=installation_id, order_id=order_id)
    try:
        if step.kind is StepKind.REVIEW:
            risk_reviews.review_order_risk(uow_factory, saleor, radar, **ids)
            return True
        if step.kind is StepKind.APPROVE:
            risk_reviews.approve_order(uow_factory, saleor, queue, actor=ACTOR, **ids)
            return True
        if step.kind is StepKind.CHARGE:
            charges.charge_order(uow_factory, saleor, queue, actor=ACTOR, **ids)
            return True  # approved at once (the next look sees it) or pending (it waits)
        if step.kind is StepKind.CREATE_POS:
            created = purchase_orders.create_purchase_orders(
                uow_factory, queue, actor=ACTOR, send=True, **ids
            )
            _note(uow_factory, queue, installation_id, order_id, f"{len(created)} PO(s) created")
            return False
        if step.kind is StepKind.COMPLETE:
            orders.complete_order(uow_factory, queue, actor=ACTOR, **ids)
            return False
    except Retryable:
        raise
    except (Permanent, NoOp) as error:
        # A merchant's click (or another run) got there first, or the step was refused: the
        # next look starts from the facts as they are now.
        logger.info("automatic %s of %s: %s", step.kind.value, order_id, error.message)
        return step.kind in {StepKind.APPROVE, StepKind.CHARGE}
    return False


def _note(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    what: str,
) -> None:
    with uow_factory() as uow:
        queue_write_back(uow, queue, installation_id, order_id, f"Drop-ship (automatic): {what}.")
        uow.commit()


def _record(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    order_id: str,
    step: Step,
) -> None:
    """Where the order stopped; a new hold is noted on the Saleor order once."""
    now = _now()
    next_check = step.until
    if step.kind is StepKind.HOLD:
        next_check = now + RECHECK_HELD
    elif step.kind is StepKind.WAIT and next_check is None:
        next_check = now + RECHECK_WAITING
    with uow_factory() as uow:
        before = uow.automation.get(installation_id, order_id)
        uow.automation.record(
            installation_id,
            order_id,
            step=step.kind.value,
            reasons=step.reasons,
            next_check_at=next_check,
            now=now,
        )
        transient = step.reasons == (HoldReason.CHARGE_PENDING,)  # its end moves it on
        changed = before is None or before.reasons != step.reasons
        if step.kind is StepKind.HOLD and changed and not transient:
            texts = " ".join(reason.text for reason in step.reasons)
            queue_write_back(
                uow, queue, installation_id, order_id, f"Drop-ship (automatic): held. {texts}"
            )
        uow.commit()


def enqueue_advance(queue: TaskQueue, installation_id: InstallationId, order_id: str) -> None:
    try:
        queue.enqueue(tasks.ADVANCE_ORDER, installation_id=installation_id, order_id=order_id)
    except Retryable as error:  # the sweep looks again within minutes
        logger.warning("automation of %s not queued: %s", order_id, error.message)
