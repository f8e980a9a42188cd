"""The vendor's answer per PO line: validation, the PO's status and history, and what a line
the vendor cancelled means for "shipped"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainValidationError, RuleViolation
from app.domain.purchase_orders import POStatus
from app.domain.shipments import po_status_after_shipping
from app.domain.vendor_answers import (
    MAX_REASON_LENGTH,
    LineAnswer,
    LineResponse,
    clean_line_responses,
)
from tests.builders import make_purchase_order

TODAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
SHIRT, MUG = "line-SKU-SHIRT-M", "line-SKU-MUG"
LINES = [SHIRT, MUG]


def test_lines_not_mentioned_are_confirmed_when_the_whole_po_is_confirmed():
    answers = clean_line_responses(
        LINES, {MUG: {"answer": "backordered", "expected_date": "2026-12-15"}}, today=TODAY
    )
    assert answers == (
        LineResponse(SHIRT, LineAnswer.CONFIRMED),
        LineResponse(MUG, LineAnswer.BACKORDERED, date(2026, 12, 15)),
    )


def test_only_the_lines_mentioned_when_not_confirming_the_rest():
    answers = clean_line_responses(
        LINES,
        {MUG: {"answer": "cancelled", "reason": " out of\tstock "}},
        today=TODAY,
        confirm_the_rest=False,
    )
    assert answers == (LineResponse(MUG, LineAnswer.CANCELLED, None, "out of stock"),)


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ({"answer": "maybe"}, "answer", "Choose confirmed, backordered or cancelled."),
        ({"answer": "backordered"}, "expected_date", "Enter the date the vendor expects"),
        ({"answer": "backordered", "expected_date": "15/12/2026"}, "expected_date", "YYYY-MM-DD"),
        ({"answer": "backordered", "expected_date": "2026-11-30"}, "expected_date", "past"),
        (
            {"answer": "backordered", "expected_date": "2028-01-01"},
            "expected_date",
            "within a year",
        ),
        ({"answer": "cancelled"}, "reason", "Say why"),
        ({"answer": "cancelled", "reason": "x" * (MAX_REASON_LENGTH + 1)}, "reason", "at most"),
        ({"answer": "cancelled", "reason": "no\x00stock"}, "reason", "control characters"),
    ],
)
def test_each_bad_field_is_named(entry, field, message):
    with pytest.raises(DomainValidationError) as raised:
        clean_line_responses(LINES, {MUG: entry}, today=TODAY)
    assert message in raised.value.errors[f"lines.{MUG}.{field}"]


def test_a_line_of_another_po_is_refused_with_the_others_reported_too():
    with pytest.raises(DomainValidationError) as raised:
        clean_line_responses(
            LINES, {"line-of-another-po": {}, SHIRT: {"answer": "cancelled"}}, today=TODAY
        )
    assert set(raised.value.errors) == {"lines.line-of-another-po", f"lines.{SHIRT}.reason"}


@given(st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=366)))
def test_any_date_from_today_to_a_year_is_taken(when):
    [answer] = clean_line_responses(
        LINES,
        {SHIRT: {"answer": "backordered", "expected_date": when.isoformat()}},
        today=TODAY,
        confirm_the_rest=False,
    )
    assert answer.expected_date == when


def test_a_sent_po_is_acknowledged_and_the_history_says_what_the_vendor_said():
    po = make_purchase_order(status=POStatus.SENT, sent_at=AT)
    answers = clean_line_responses(
        LINES, {MUG: {"answer": "backordered", "expected_date": "2026-12-15"}}, today=TODAY
    )

    detail = po.record_vendor_answer(answers, actor="vendor:ACME", at=AT)

    assert detail == "SKU-SHIRT-M confirmed; SKU-MUG backordered until 2026-12-15"
    assert po.status is POStatus.ACKNOWLEDGED
    assert po.events[-1].action == "acknowledged by vendor"
    assert po.events[-1].actor == "vendor:ACME"
    assert po.line_answers[MUG].expected_date == date(2026, 12, 15)


def test_a_later_answer_replaces_a_lines_answer_and_keeps_the_status():
    po = make_purchase_order(status=POStatus.PARTIALLY_SHIPPED, sent_at=AT)
    first = (LineResponse(MUG, LineAnswer.BACKORDERED, date(2026, 12, 15)),)
    po.record_vendor_answer(first, actor="vendor:ACME", at=AT)
    po.record_vendor_answer((LineResponse(MUG, LineAnswer.CONFIRMED),), actor="vendor:ACME", at=AT)
    assert po.status is POStatus.PARTIALLY_SHIPPED
    assert po.line_answers[MUG].answer is LineAnswer.CONFIRMED
    assert [e.action for e in po.events[-2:]] == ["answered by vendor"] * 2


@pytest.mark.parametrize(
    "status",
    [
        POStatus.CREATED,
        POStatus.SEND_FAILED,
        POStatus.SHIPPED,
        POStatus.CANCELLED,
        POStatus.CANCEL_REQUESTED,
    ],
)
def test_a_po_the_vendor_does_not_owe_takes_no_answer(status):
    po = make_purchase_order(status=status)
    with pytest.raises(RuleViolation):
        po.record_vendor_answer((LineResponse(MUG, LineAnswer.CONFIRMED),), actor="v", at=AT)
    assert po.line_answers == {}


def test_a_line_the_vendor_cancelled_is_not_owed_so_the_rest_shipped_is_shipped():
    po = make_purchase_order(status=POStatus.ACKNOWLEDGED, sent_at=AT)
    cancelled = (LineResponse(MUG, LineAnswer.CANCELLED, None, "discontinued"),)
    po.record_vendor_answer(cancelled, actor="vendor:ACME", at=AT)

    assert [line.sku for line in po.lines_cancelled_by_vendor] == ["SKU-MUG"]
    assert po_status_after_shipping(po, {SHIRT: 3}) is POStatus.SHIPPED
    assert po_status_after_shipping(po, {SHIRT: 2}) is POStatus.PARTIALLY_SHIPPED


def test_without_the_vendors_cancellation_every_line_is_owed():
    po = make_purchase_order(status=POStatus.ACKNOWLEDGED, sent_at=AT)
    assert po_status_after_shipping(po, {SHIRT: 3}) is POStatus.PARTIALLY_SHIPPED
