"""Automation's rules: each hold reason holds, and the steps come in the buttons' order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.automation import (
    AutomationRules,
    ChargeState,
    HoldReason,
    OrderFacts,
    Step,
    StepKind,
    Verdict,
    hold_reasons,
    next_step,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CLEAR = OrderFacts(
    placed_at=NOW - timedelta(minutes=1),
    verdict=Verdict.LOW,
    decision="approved",
    charge=ChargeState.CHARGED,
    line_vendors=(1, 2),
    total=Decimal("90.00"),
)
RULES = AutomationRules(charge_automatically=True, max_total=Decimal("500"))


@pytest.mark.parametrize(
    ("facts", "rules", "reason"),
    [
        pytest.param({"held_by_merchant": True}, {}, HoldReason.HELD_BY_MERCHANT, id="hold_case"),
        pytest.param({}, {"paused": True}, HoldReason.SHOP_PAUSED, id="shop_paused_case"),
        pytest.param(
            {"decision": None, "verdict": Verdict.REVIEW},
            {},
            HoldReason.VERDICT_REVIEW,
            id="verdict_review_case",
        ),
        pytest.param(
            {"decision": None, "verdict": Verdict.HIGH},
            {},
            HoldReason.VERDICT_HIGH,
            id="verdict_high_case",
        ),
        pytest.param({"decision": "rejected"}, {}, HoldReason.REVIEW_REJECTED, id="rejected_case"),
        pytest.param(
            {"charge": ChargeState.DECLINED}, {}, HoldReason.CHARGE_DECLINED, id="declined_case"
        ),
        pytest.param(
            {"charge": ChargeState.PENDING}, {}, HoldReason.CHARGE_PENDING, id="pending_case"
        ),
        pytest.param({"charge": ChargeState.UNPAID}, {}, HoldReason.NOT_PAID, id="unpaid_case"),
        pytest.param(
            {"charge": ChargeState.CHARGEABLE},
            {"charge_automatically": False},
            HoldReason.NOT_CHARGED,
            id="no_automatic_charge_case",
        ),
        pytest.param(
            {"line_vendors": (1, None)}, {}, HoldReason.LINE_WITHOUT_VENDOR, id="no_vendor_case"
        ),
        pytest.param(
            {"total": Decimal("500.01")}, {}, HoldReason.TOTAL_ABOVE_LIMIT, id="total_case"
        ),
        pytest.param(
            {"customer_note": "Leave it at the back door"},
            {},
            HoldReason.CUSTOMER_NOTE,
            id="note_case",
        ),
        pytest.param(
            {},
            {"vendors_needing_approval": frozenset({2})},
            HoldReason.VENDOR_NEEDS_APPROVAL,
            id="vendor_approval_case",
        ),
    ],
)
def test_each_reason_holds_the_order(facts, rules, reason):
    held = replace(CLEAR, **facts)
    shop = replace(RULES, **rules)

    step = next_step(held, shop, NOW)

    assert step == Step(StepKind.HOLD, (reason,))
    assert hold_reasons(held, shop) == [reason]


def test_a_clear_order_goes_to_vendors():
    assert next_step(CLEAR, RULES, NOW) == Step(StepKind.CREATE_POS)
    assert hold_reasons(CLEAR, RULES) == []


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        pytest.param({"verdict": None, "decision": None}, StepKind.REVIEW, id="review_case"),
        pytest.param({"decision": None}, StepKind.APPROVE, id="approve_low_case"),
        pytest.param({"charge": ChargeState.CHARGEABLE}, StepKind.CHARGE, id="charge_case"),
        pytest.param({"has_open_pos": True}, StepKind.WAIT, id="waiting_for_tracking_case"),
        pytest.param(
            {"has_open_pos": True, "all_drop_shipped_fulfilled": True},
            StepKind.COMPLETE,
            id="complete_case",
        ),
        pytest.param({"complete": True}, StepKind.DONE, id="done_case"),
    ],
)
def test_the_steps_follow_the_buttons_order(facts, kind):
    assert next_step(replace(CLEAR, **facts), RULES, NOW).kind is kind


def test_a_low_order_is_approved_before_it_is_charged():
    facts = replace(CLEAR, decision=None, charge=ChargeState.CHARGEABLE)

    assert next_step(facts, RULES, NOW).kind is StepKind.APPROVE


def test_a_review_verdict_a_person_approved_goes_on():
    facts = replace(CLEAR, verdict=Verdict.HIGH, decision="approved")

    assert next_step(facts, RULES, NOW) == Step(StepKind.CREATE_POS)


def test_the_hold_window_delays_the_pos_until_it_ends():
    rules = replace(RULES, hold_minutes=30)

    waiting = next_step(CLEAR, rules, NOW)
    later = next_step(CLEAR, rules, CLEAR.placed_at + timedelta(minutes=30))

    assert waiting == Step(StepKind.WAIT, until=CLEAR.placed_at + timedelta(minutes=30))
    assert later.kind is StepKind.CREATE_POS


def test_once_pos_exist_only_a_pause_holds_the_order():
    sent = replace(CLEAR, has_open_pos=True, customer_note="hi", all_drop_shipped_fulfilled=True)

    assert next_step(sent, RULES, NOW).kind is StepKind.COMPLETE
    assert next_step(replace(sent, held_by_merchant=True), RULES, NOW) == Step(
        StepKind.HOLD, (HoldReason.HELD_BY_MERCHANT,)
    )


def test_several_reasons_are_all_named():
    facts = replace(CLEAR, customer_note="x", line_vendors=(None,), charge=ChargeState.DECLINED)

    assert hold_reasons(facts, RULES) == [
        HoldReason.LINE_WITHOUT_VENDOR,
        HoldReason.CUSTOMER_NOTE,
        HoldReason.CHARGE_DECLINED,
    ]


def test_the_gates_reasons_automation_cannot_clear_hold_the_order():
    changed = replace(CLEAR, gate_codes=("changed_since_review", "review_open", "not_charged"))
    assert hold_reasons(changed, RULES) == [HoldReason.CHANGED_SINCE_REVIEW]
    assert next_step(changed, RULES, NOW).kind is StepKind.HOLD
    partly = replace(CLEAR, gate_codes=("partly_charged",))
    assert hold_reasons(partly, RULES) == [HoldReason.PARTLY_CHARGED]
    # the gate's review and charge reasons are automation's own next steps, not holds
    assert hold_reasons(replace(CLEAR, gate_codes=("review_open", "not_charged")), RULES) == []
