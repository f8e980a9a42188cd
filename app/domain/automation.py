"""Automatic order processing (issue 13): why an order is held, and the next automatic step.

Pure rules over simple facts. The steps are those of the merchant's buttons, in their order:
review -> approve (low verdict) -> charge (if the shop chose it) -> after the hold window,
create and send the POs -> complete when every drop-shipped line is fulfilled. An order is held
instead, with its reasons shown, when a person should look first.

Overlap with the gate to vendors (issue 11, ``app/domain/gate.py`` on the gate branch): the
review and payment reasons here (not reviewed / verdict / rejected; charge pending / declined /
not paid) are the gate's ``reasons_to_hold``; once merged, ``payment_holds`` and the review part
of ``hold_reasons`` should come from the gate's function (see the report of this branch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

MAX_HOLD_MINUTES = 7 * 24 * 60


class HoldReason(StrEnum):
    HELD_BY_MERCHANT = "held_by_merchant"
    SHOP_PAUSED = "shop_paused"
    REVIEW_REJECTED = "review_rejected"
    VERDICT_REVIEW = "verdict_review"
    VERDICT_HIGH = "verdict_high"
    CHARGE_DECLINED = "charge_declined"
    CHARGE_PENDING = "charge_pending"
    NOT_CHARGED = "not_charged"
    NOT_PAID = "not_paid"
    LINE_WITHOUT_VENDOR = "line_without_vendor"
    TOTAL_ABOVE_LIMIT = "total_above_limit"
    CUSTOMER_NOTE = "customer_note"
    VENDOR_NEEDS_APPROVAL = "vendor_needs_approval"
    # The gate to vendors (app/domain/gate.py) holds these whatever automation did:
    CHANGED_SINCE_REVIEW = "changed_since_review"
    PARTLY_CHARGED = "partly_charged"

    @property
    def text(self) -> str:
        return HOLD_TEXTS[self]


HOLD_TEXTS = {
    HoldReason.HELD_BY_MERCHANT: "Held by hand: press Resume to let automation continue.",
    HoldReason.SHOP_PAUSED: "Automation is paused for the shop.",
    HoldReason.REVIEW_REJECTED: "The risk review was rejected.",
    HoldReason.VERDICT_REVIEW: "The risk review says Review: approve or reject it.",
    HoldReason.VERDICT_HIGH: "The risk review says High risk: approve or reject it.",
    HoldReason.CHARGE_DECLINED: "The charge was declined.",
    HoldReason.CHARGE_PENDING: "A charge is pending at the payment provider.",
    HoldReason.NOT_CHARGED: "Authorised but not charged (automatic charging is off).",
    HoldReason.NOT_PAID: "Nothing is authorised or charged.",
    HoldReason.LINE_WITHOUT_VENDOR: "A line has no vendor.",
    HoldReason.TOTAL_ABOVE_LIMIT: "The total is above the automatic limit.",
    HoldReason.CUSTOMER_NOTE: "The customer left a note.",
    HoldReason.VENDOR_NEEDS_APPROVAL: "A vendor of this order needs your approval.",
    HoldReason.CHANGED_SINCE_REVIEW: "The order changed after its review was decided.",
    HoldReason.PARTLY_CHARGED: "Part of the order is charged: charge or refund the rest by hand.",
}
# The gate's reasons automation cannot clear itself (it approves reviews and charges orders,
# so the gate's other reasons are its own steps); by the gate's HoldCode value.
GATE_HOLDS = {
    "changed_since_review": HoldReason.CHANGED_SINCE_REVIEW,
    "partly_charged": HoldReason.PARTLY_CHARGED,
}


PAUSES = frozenset({HoldReason.HELD_BY_MERCHANT, HoldReason.SHOP_PAUSED})


class Verdict(StrEnum):
    LOW = "low"
    REVIEW = "review"
    HIGH = "high"


class ChargeState(StrEnum):
    CHARGED = "charged"  # paid at checkout, or the app's charge went through
    CHARGEABLE = "chargeable"  # authorised, nothing captured yet
    PENDING = "pending"
    DECLINED = "declined"
    UNPAID = "unpaid"  # nothing authorised


@dataclass(frozen=True)
class AutomationRules:
    """The shop's Settings -> Automation."""

    paused: bool = False
    charge_automatically: bool = False
    hold_minutes: int = 0
    max_total: Decimal | None = None
    vendors_needing_approval: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OrderFacts:
    """What the rules look at, as plain values."""

    placed_at: datetime
    verdict: Verdict | None = None  # None: not reviewed yet
    decision: str | None = None  # "approved" / "rejected" by a person or by automation
    charge: ChargeState = ChargeState.UNPAID
    line_vendors: tuple[int | None, ...] = ()  # each line's vendor (None: no vendor)
    total: Decimal | None = None
    customer_note: str = ""
    held_by_merchant: bool = False
    has_open_pos: bool = False
    all_drop_shipped_fulfilled: bool = False
    complete: bool = False
    vendors: frozenset[int] = field(default_factory=frozenset)
    gate_codes: tuple[str, ...] = ()  # app/domain/gate.py's HoldCode values for this order


class StepKind(StrEnum):
    HOLD = "hold"
    REVIEW = "review"
    APPROVE = "approve"
    CHARGE = "charge"
    WAIT = "wait"  # the hold window, or a step under way (a charge, PO sends, fulfilment)
    CREATE_POS = "create_pos"
    COMPLETE = "complete"
    DONE = "done"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    reasons: tuple[HoldReason, ...] = ()
    until: datetime | None = None


def order_holds(facts: OrderFacts, rules: AutomationRules) -> list[HoldReason]:
    """The reasons that hold an order whatever its review and payment say."""
    reasons = []
    if facts.held_by_merchant:
        reasons.append(HoldReason.HELD_BY_MERCHANT)
    if rules.paused:
        reasons.append(HoldReason.SHOP_PAUSED)
    if any(vendor is None for vendor in facts.line_vendors):
        reasons.append(HoldReason.LINE_WITHOUT_VENDOR)
    if rules.max_total is not None and facts.total is not None and facts.total > rules.max_total:
        reasons.append(HoldReason.TOTAL_ABOVE_LIMIT)
    if facts.customer_note.strip():
        reasons.append(HoldReason.CUSTOMER_NOTE)
    line_vendors = {vendor for vendor in facts.line_vendors if vendor is not None}
    if line_vendors & rules.vendors_needing_approval:
        reasons.append(HoldReason.VENDOR_NEEDS_APPROVAL)
    return reasons


def review_holds(facts: OrderFacts) -> list[HoldReason]:
    """The review's part: a rejection, or a review/high verdict no one approved yet."""
    if facts.decision == "rejected":
        return [HoldReason.REVIEW_REJECTED]
    if facts.decision == "approved" or facts.verdict in (None, Verdict.LOW):
        return []
    return [HoldReason.VERDICT_HIGH if facts.verdict is Verdict.HIGH else HoldReason.VERDICT_REVIEW]


def payment_holds(facts: OrderFacts, rules: AutomationRules) -> list[HoldReason]:
    """The payment's part: charged, or chargeable by automation, else why not."""
    held = {
        ChargeState.DECLINED: HoldReason.CHARGE_DECLINED,
        ChargeState.PENDING: HoldReason.CHARGE_PENDING,
        ChargeState.UNPAID: HoldReason.NOT_PAID,
    }
    if facts.charge in held:
        return [held[facts.charge]]
    if facts.charge is ChargeState.CHARGEABLE and not rules.charge_automatically:
        return [HoldReason.NOT_CHARGED]
    return []


def hold_reasons(facts: OrderFacts, rules: AutomationRules) -> list[HoldReason]:
    """Every reason automation holds this order (empty: it may go on)."""
    if facts.complete or facts.has_open_pos:  # past the gate: only a pause holds it now
        return [r for r in order_holds(facts, rules) if r in PAUSES]
    gate = [GATE_HOLDS[code] for code in facts.gate_codes if code in GATE_HOLDS]
    return [
        *order_holds(facts, rules),
        *review_holds(facts),
        *payment_holds(facts, rules),
        *gate,
    ]


def next_step(facts: OrderFacts, rules: AutomationRules, now: datetime) -> Step:
    """What automation does next for this order."""
    if facts.complete:
        return Step(StepKind.DONE)
    pausing = [r for r in order_holds(facts, rules) if r in PAUSES]
    if pausing:
        return Step(StepKind.HOLD, tuple(pausing))
    if facts.has_open_pos:
        if facts.all_drop_shipped_fulfilled:
            return Step(StepKind.COMPLETE)
        return Step(StepKind.WAIT)
    if facts.verdict is None:
        return Step(StepKind.REVIEW)
    reasons = hold_reasons(facts, rules)
    if reasons:
        return Step(StepKind.HOLD, tuple(reasons))
    if facts.decision is None:
        return Step(StepKind.APPROVE)
    if facts.charge is ChargeState.CHARGEABLE:
        return Step(StepKind.CHARGE)
    ready_at = facts.placed_at + timedelta(minutes=rules.hold_minutes)
    if now < ready_at:
        return Step(StepKind.WAIT, until=ready_at)
    return Step(StepKind.CREATE_POS)
