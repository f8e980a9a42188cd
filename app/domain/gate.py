"""The gate to vendors: why an order should not go to vendors without a second thought.

Only an order whose risk review was approved by a person, and that is charged in full, goes to
vendors with no question. For any other, ``reasons_to_hold`` says why, in plain words; the
merchant may still go ahead on purpose, with a reason that is recorded (issue 11, item 6).
The "Create PO(s)" actions and the automation add-on use this same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.money import Money
from app.domain.payments import AttemptStatus, PaymentAttempt, format_money
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import Decision

PAID_CHARGE_STATUSES = ("FULL", "OVERCHARGED")
MAX_GO_AHEAD_REASON = 500


class HoldCode(StrEnum):
    """Why the gate holds an order (one code per reason; ``ON_HOLD`` is the refusal's code)."""

    ON_HOLD = "order_on_hold"
    NOT_REVIEWED = "not_reviewed"
    REVIEW_OPEN = "review_open"
    REVIEW_REJECTED = "review_rejected"
    CHANGED_SINCE_REVIEW = "changed_since_review"
    NOT_CHARGED = "not_charged"
    PARTLY_CHARGED = "partly_charged"
    NOT_PAID = "not_paid"
    CHARGE_PENDING = "charge_pending"
    CHARGE_DECLINED = "charge_declined"


@dataclass(frozen=True)
class HoldReason:
    code: HoldCode
    text: str


@dataclass(frozen=True)
class PaymentState:
    """What the app knows of an order's payment: its stored copy of the Saleor order (charge
    and authorisation statuses, total) and the app's latest charge attempt."""

    is_paid: bool
    charge_status: str
    authorize_status: str
    total: Money | None
    latest_charge: PaymentAttempt | None = None

    @property
    def is_charged(self) -> bool:
        """Paid in Saleor's copy, or the app's own last charge was approved for the total (the
        copy may not have caught up with the charge yet)."""
        if self.is_paid or self.charge_status in PAID_CHARGE_STATUSES:
            return True
        charge = self.latest_charge
        return (
            charge is not None
            and charge.status is AttemptStatus.APPROVED
            and self.total is not None
            and charge.amount is not None
            and charge.amount >= self.total.amount
        )


def _when(moment: datetime | None) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC" if moment is not None else "a moment ago"


def review_reasons(review: RiskReview | None) -> list[HoldReason]:
    """The risk review's part: approved by a person, and the order unchanged since."""
    if review is None:
        return [HoldReason(HoldCode.NOT_REVIEWED, "risk review not done (not reviewed yet)")]
    if review.decision is None:
        verdict = review.verdict.value
        text = f"risk review not done (verdict: {verdict}, score {review.score})"
        return [HoldReason(HoldCode.REVIEW_OPEN, text)]
    if review.decision is Decision.REJECTED:
        text = f"risk review: rejected by {review.decided_by} on {_when(review.decided_at)}"
        return [HoldReason(HoldCode.REVIEW_REJECTED, text)]
    if review.changed_at is not None:
        text = (
            f"order changed on {_when(review.changed_at)}, after {review.decided_by} "
            "approved its risk review"
        )
        return [HoldReason(HoldCode.CHANGED_SINCE_REVIEW, text)]
    return []


def _money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount or Decimal(0), currency)


def payment_reasons(payment: PaymentState) -> list[HoldReason]:
    """The payment's part: charged in full, or why not (the last charge's outcome first)."""
    if payment.is_charged:
        return []
    total = payment.total
    currency = total.currency if total else ""
    total_text = _money(total.amount, currency) if total else "the order's total"
    charge = payment.latest_charge
    if charge is not None and charge.in_flight:
        amount = _money(charge.amount, charge.currency or currency)
        since = _when(charge.requested_at or charge.created_at)
        text = f"not charged: a charge of {amount} is pending since {since}"
        return [HoldReason(HoldCode.CHARGE_PENDING, text)]
    if charge is not None and charge.status is AttemptStatus.DECLINED:
        why = charge.message or "no reason given"
        text = f"not charged: the last charge was declined ({why})"
        return [HoldReason(HoldCode.CHARGE_DECLINED, text)]
    if payment.charge_status == "PARTIAL":
        text = f"not fully charged: only part of {total_text} is charged"
        return [HoldReason(HoldCode.PARTLY_CHARGED, text)]
    if payment.authorize_status == "FULL":
        text = f"not charged: {total_text} authorised, not captured"
        return [HoldReason(HoldCode.NOT_CHARGED, text)]
    if payment.authorize_status == "PARTIAL":
        text = f"not charged: part of {total_text} authorised, nothing captured"
        return [HoldReason(HoldCode.NOT_CHARGED, text)]
    text = f"not paid: nothing is authorised or charged of {total_text}"
    return [HoldReason(HoldCode.NOT_PAID, text)]


def reasons_to_hold(review: RiskReview | None, payment: PaymentState) -> tuple[HoldReason, ...]:
    """Why this order should not go to vendors yet; empty when its risk review was approved
    (and the order has not changed since) and it is charged in full."""
    return (*review_reasons(review), *payment_reasons(payment))


class OrderOnHold(RuleViolation):
    """The order may not go to vendors without an explicit confirmation: ``reasons`` say why."""

    def __init__(self, reasons: tuple[HoldReason, ...], message: str = "") -> None:
        super().__init__(
            message or "Confirm to go ahead: " + "; ".join(r.text for r in reasons) + ".",
            code=HoldCode.ON_HOLD,
            field="go_ahead_reason",
        )
        self.reasons = reasons


def confirm_go_ahead(reasons: tuple[HoldReason, ...], actor: str, raw_reason: str | None) -> str:
    """The merchant going ahead with a held order: the sentence kept in the PO history and the
    Saleor order's note ("" when nothing holds the order). Refused with ``OrderOnHold`` (the
    reasons) without a reason of one line, 1-500 characters."""
    if not reasons:
        return ""
    why = " ".join((raw_reason or "").split())
    if not why:
        raise OrderOnHold(reasons)
    if len(why) > MAX_GO_AHEAD_REASON:
        raise OrderOnHold(reasons, f"Say why in at most {MAX_GO_AHEAD_REASON} characters.")
    held = "; ".join(r.text for r in reasons)
    return f"{actor} went ahead on purpose although {held}. Reason: {why}"
