"""The gate to vendors: each reason an order is held, in the merchant's words, and the order that
passes (approved, charged in full)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.domain.gate import (
    HoldCode,
    OrderOnHold,
    PaymentState,
    confirm_go_ahead,
    reasons_to_hold,
)
from app.domain.money import Money
from app.domain.payments import AttemptStatus, PaymentAction, PaymentAttempt
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import Assessment, Decision, RiskSettings, Verdict

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
TOTAL = Money(Decimal("25.00"), "USD")
PAID = PaymentState(is_paid=True, charge_status="FULL", authorize_status="FULL", total=TOTAL)
AUTHORISED = PaymentState(is_paid=False, charge_status="NONE", authorize_status="FULL", total=TOTAL)


def review(score: int = 55, verdict: Verdict = Verdict.REVIEW) -> RiskReview:
    return RiskReview.of("O1", "1042", Assessment(score, verdict, (), RiskSettings()), AT)


def approved() -> RiskReview:
    return review(5, Verdict.LOW).decide(Decision.APPROVED, "ann@shop.test", AT)


def charge(status: AttemptStatus, amount: str = "25.00", message: str = "") -> PaymentAttempt:
    return PaymentAttempt(
        id=1,
        order_id="O1",
        action=PaymentAction.CHARGE,
        status=status,
        requested_by="ann@shop.test",
        created_at=AT,
        amount=Decimal(amount),
        currency="USD",
        message=message,
        requested_at=AT,
    )


def texts(review_: RiskReview | None, payment: PaymentState) -> list[tuple[HoldCode, str]]:
    return [(r.code, r.text) for r in reasons_to_hold(review_, payment)]


def test_an_approved_and_paid_order_passes_with_no_question():
    assert reasons_to_hold(approved(), PAID) == ()


@pytest.mark.parametrize(
    ("review_", "expected"),
    [
        (None, (HoldCode.NOT_REVIEWED, "risk review not done (not reviewed yet)")),
        (review(), (HoldCode.REVIEW_OPEN, "risk review not done (verdict: review, score 55)")),
        (
            review(5, Verdict.LOW),
            (HoldCode.REVIEW_OPEN, "risk review not done (verdict: low, score 5)"),
        ),
        (
            review(80, Verdict.HIGH).decide(Decision.REJECTED, "bob@shop.test", AT, "fraud"),
            (
                HoldCode.REVIEW_REJECTED,
                "risk review: rejected by bob@shop.test on 01 Dec 2026, 09:30 UTC",
            ),
        ),
        (
            replace(approved(), changed_at=datetime(2026, 12, 1, 11, 5, tzinfo=UTC)),
            (
                HoldCode.CHANGED_SINCE_REVIEW,
                "order changed on 01 Dec 2026, 11:05 UTC, after ann@shop.test approved its "
                "risk review",
            ),
        ),
    ],
    ids=[
        "not_reviewed_case",
        "open_case",
        "low_but_not_approved_case",
        "rejected_case",
        "changed_case",
    ],
)
def test_each_review_reason_of_a_paid_order(review_, expected):
    assert texts(review_, PAID) == [expected]


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        (AUTHORISED, (HoldCode.NOT_CHARGED, "not charged: $25.00 authorised, not captured")),
        (
            replace(AUTHORISED, authorize_status="PARTIAL"),
            (HoldCode.NOT_CHARGED, "not charged: part of $25.00 authorised, nothing captured"),
        ),
        (
            replace(AUTHORISED, charge_status="PARTIAL"),
            (HoldCode.PARTLY_CHARGED, "not fully charged: only part of $25.00 is charged"),
        ),
        (
            replace(AUTHORISED, authorize_status="NONE"),
            (HoldCode.NOT_PAID, "not paid: nothing is authorised or charged of $25.00"),
        ),
        (
            replace(AUTHORISED, latest_charge=charge(AttemptStatus.PENDING)),
            (
                HoldCode.CHARGE_PENDING,
                "not charged: a charge of $25.00 is pending since 01 Dec 2026, 09:30 UTC",
            ),
        ),
        (
            replace(
                AUTHORISED, latest_charge=charge(AttemptStatus.DECLINED, message="Card declined")
            ),
            (HoldCode.CHARGE_DECLINED, "not charged: the last charge was declined (Card declined)"),
        ),
    ],
    ids=[
        "authorised_case",
        "part_authorised_case",
        "partly_charged_case",
        "nothing_case",
        "pending_case",
        "declined_case",
    ],
)
def test_each_payment_reason_of_an_approved_order(payment, expected):
    assert texts(approved(), payment) == [expected]


def test_both_reasons_review_first():
    assert [code for code, _ in texts(review(), AUTHORISED)] == [
        HoldCode.REVIEW_OPEN,
        HoldCode.NOT_CHARGED,
    ]


def test_an_approved_charge_of_the_total_counts_before_the_copy_catches_up():
    caught_up = replace(AUTHORISED, latest_charge=charge(AttemptStatus.APPROVED))
    assert reasons_to_hold(approved(), caught_up) == ()


def test_an_approved_charge_of_less_than_the_total_does_not():
    partial = replace(AUTHORISED, latest_charge=charge(AttemptStatus.APPROVED, amount="10.00"))
    assert [r.code for r in reasons_to_hold(approved(), partial)] == [HoldCode.NOT_CHARGED]


def test_an_overcharged_order_is_charged():
    over = replace(AUTHORISED, charge_status="OVERCHARGED")
    assert reasons_to_hold(approved(), over) == ()


def test_going_ahead_needs_a_reason_and_says_who_and_why():
    held = reasons_to_hold(review(), AUTHORISED)
    with pytest.raises(OrderOnHold) as refused:
        confirm_go_ahead(held, "ann@shop.test", "   ")
    assert refused.value.reasons == held
    assert refused.value.message == (
        "Confirm to go ahead: risk review not done (verdict: review, score 55); "
        "not charged: $25.00 authorised, not captured."
    )
    note = confirm_go_ahead(held, "ann@shop.test", " regular  customer,\tpays on invoice ")
    assert note == (
        "ann@shop.test went ahead on purpose although risk review not done (verdict: review, "
        "score 55); not charged: $25.00 authorised, not captured. "
        "Reason: regular customer, pays on invoice"
    )


def test_a_reason_is_bounded():
    held = reasons_to_hold(None, PAID)
    with pytest.raises(OrderOnHold, match="at most 500"):
        confirm_go_ahead(held, "ann@shop.test", "x" * 501)
    assert confirm_go_ahead(held, "ann@shop.test", "x" * 500).endswith("x" * 500)


def test_nothing_to_confirm_for_an_order_that_passes():
    assert confirm_go_ahead((), "ann@shop.test", None) == ""
    assert confirm_go_ahead((), "ann@shop.test", "anything") == ""
