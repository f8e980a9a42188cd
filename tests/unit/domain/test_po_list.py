"""The PO list's query: what the merchant typed, checked; page cursors; late POs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainValidationError
from app.domain.po_list import (
    Cursor,
    POListSort,
    parse_po_list_query,
    query_parameters,
)
from app.domain.purchase_orders import POStatus, days_late
from tests.builders import make_purchase_order

SENT = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # a Friday


@given(st.text(max_size=120), st.integers(min_value=1, max_value=2**62))  # vendor names: 120
def test_a_cursor_survives_its_round_trip(value, row_id):
    assert Cursor.decode(Cursor(value, row_id).encode()) == Cursor(value, row_id)


@pytest.mark.parametrize(
    "token",
    ["", "%%%", "bm90IGpzb24", "WzEsMl0", "WyJhIiwtMV0", "WyJhIiwiMiJd", "A" * 1100],
    ids=["empty", "not-base64", "not-json", "number-value", "negative-id", "text-id", "huge"],
)
def test_a_forged_cursor_is_refused_as_bad_input(token):
    with pytest.raises(DomainValidationError) as error:
        parse_po_list_query({"after": token} if token else {"after": "x"})
    assert error.value.errors == {"after": "This page link is not valid."}


def test_the_query_is_read_back_from_its_own_parameters():
    typed = {
        "status": ["sent", "send_failed"],
        "vendor": "7",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "late": "1",
        "attention": "on",
        "q": " 1001-1 ",
        "sort": "vendor",
    }
    query = parse_po_list_query(typed)
    assert query.filter.statuses == {POStatus.SENT, POStatus.SEND_FAILED}
    assert (query.filter.vendor_id, query.filter.search, query.sort) == (
        7,
        "1001-1",
        POListSort.VENDOR,
    )
    assert query.filter.created_from == date(2026, 11, 1) and query.filter.late_only
    pairs = query_parameters(query)
    again: dict[str, str | list[str]] = {"status": [v for k, v in pairs if k == "status"]}
    again.update({k: v for k, v in pairs if k != "status"})
    assert parse_po_list_query(again) == query


def test_each_bad_field_gets_its_own_message():
    with pytest.raises(DomainValidationError) as error:
        parse_po_list_query(
            {
                "status": ["lost"],
                "vendor": "x",
                "from": "2026-12-02",
                "to": "2026-12-01",
                "q": "x" * 101,
                "sort": "random",
            }
        )
    assert set(error.value.errors) == {"status", "vendor", "to", "q", "sort"}


def test_days_late_counts_from_the_due_moment_while_a_shipment_is_owed():
    due = SENT + timedelta(days=3)
    assert days_late(POStatus.SENT, due, due) == 0
    assert days_late(POStatus.SENT, due, due + timedelta(minutes=1)) == 1
    assert days_late(POStatus.PARTIALLY_SHIPPED, due, due + timedelta(days=4, hours=2)) == 4
    assert days_late(POStatus.SHIPPED, due, due + timedelta(days=9)) == 0
    assert days_late(POStatus.CANCELLED, due, due + timedelta(days=9)) == 0
    assert days_late(POStatus.SENT, None, due + timedelta(days=9)) == 0


def test_the_first_send_sets_the_due_date_and_a_vendor_without_lead_time_promises_nothing():
    po = make_purchase_order()
    po.mark_sent(actor="a", at=SENT, via="email", lead_time_days=3)
    po.mark_sent(actor="a", at=SENT + timedelta(days=2), via="email", lead_time_days=3)
    assert po.due_at == SENT + timedelta(days=3)
    no_promise = make_purchase_order()
    no_promise.mark_sent_by_hand(actor="a", at=SENT, lead_time_days=0)
    assert no_promise.due_at is None
    assert no_promise.days_late(SENT + timedelta(days=400)) == 0
