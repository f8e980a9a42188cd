"""The difference between a sent PO and the order as Saleor has it now, and what the PO does
with it: flag once, clear on revert, apply to the PO as the next revision (ADR 21)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import RuleViolation
from app.domain.money import Money
from app.domain.orders import Address, OrderLine
from app.domain.po_changes import LineChange, POChanges, SentLine, diff_purchase_order
from app.domain.purchase_orders import POLine, POStatus, PurchaseOrder

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOME = Address(first_name="Ada", street_address_1="1 Old Road", city="LONDON", country_code="GB")
WORK = replace(HOME, street_address_1="9 New Street", postal_code="N1 9GU")


def _order_line(line_id: str, quantity: int) -> OrderLine:
    return OrderLine(line_id, None, None, f"SKU-{line_id}", f"P {line_id}", "", quantity, 0)


def _sent(line_id: str, quantity: int) -> SentLine:
    return SentLine(line_id, f"SKU-{line_id}", f"P {line_id}", quantity)


def _po(status: POStatus = POStatus.SENT, revision: int = 1) -> PurchaseOrder:
    lines = [
        POLine(f"L{i}", f"SKU-L{i}", f"V-{i}", f"P L{i}", "", quantity, Money(Decimal("5"), "USD"))
        for i, quantity in ((1, 2), (2, 1))
    ]
    return PurchaseOrder(
        number="1042-1",
        sequence=1,
        saleor_order_id="T3JkZXI6MQ==",
        order_number="1042",
        vendor_id=1,
        vendor_name="Acme",
        currency="USD",
        ship_to=HOME,
        customer_email="ada@example.com",
        lines=lines,
        status=status,
        revision=revision,
    )


def test_an_unchanged_order_is_no_change():
    changes = diff_purchase_order(
        HOME, [_sent("L1", 2)], HOME, [_order_line("L1", 2), _order_line("L9", 5)], {}
    )

    assert changes.is_empty and changes == POChanges()


def test_a_new_address_is_old_and_new_with_the_fields_that_differ():
    changes = diff_purchase_order(HOME, [_sent("L1", 2)], WORK, [_order_line("L1", 2)], {})

    assert (changes.old_ship_to, changes.new_ship_to, changes.lines) == (HOME, WORK, ())
    assert changes.changed_address_fields == ("street_address_1", "postal_code")
    assert changes.describe() == [
        "Ship-to street: 1 Old Road → 9 New Street",
        "Ship-to postal code: (empty) → N1 9GU",
    ]


def test_an_order_without_a_shipping_address_keeps_the_pos():
    assert diff_purchase_order(HOME, [_sent("L1", 2)], None, [_order_line("L1", 2)], {}).is_empty


@pytest.mark.parametrize(
    ("order_lines", "expected"),
    [
        pytest.param([_order_line("L1", 5)], (2, 5, False), id="quantity_raised_case"),
        pytest.param([_order_line("L1", 1)], (2, 1, False), id="quantity_lowered_case"),
        pytest.param([_order_line("L7", 1)], (2, 0, True), id="line_removed_case"),
    ],
)
def test_line_changes(order_lines, expected):
    [change] = diff_purchase_order(HOME, [_sent("L1", 2)], HOME, order_lines, {}).lines

    assert (change.old_quantity, change.new_quantity, change.removed) == expected
    assert not change.blocked


def test_a_line_added_to_the_order_is_not_a_po_change():
    order_lines = [_order_line("L1", 2), _order_line("NEW", 4)]

    assert diff_purchase_order(HOME, [_sent("L1", 2)], HOME, order_lines, {}).is_empty


def test_a_line_cancelled_on_the_po_already_is_not_compared_again():
    assert diff_purchase_order(HOME, [_sent("L1", 0)], HOME, [], {}).is_empty


def test_a_shipped_line_is_blocked_and_left_out_of_the_amendment():
    sent = [_sent("L1", 2), _sent("L2", 1)]
    order_lines = [_order_line("L1", 3)]  # L2 removed, L1 raised; L1 shipped 1 already

    changes = diff_purchase_order(HOME, sent, WORK, order_lines, {"L1": 1})

    assert [c.order_line_id for c in changes.blocked_lines] == ["L1"]
    applicable = changes.applicable()
    assert applicable.new_ship_to == WORK
    assert [c.order_line_id for c in applicable.lines] == ["L2"]
    assert changes.blocked() == POChanges(lines=(changes.lines[0],))
    assert changes.lines[0].describe() == "P L1 (SKU-L1): 2 → 3; 1 already shipped, not amended"


@given(
    sent=st.dictionaries(
        st.sampled_from(["L1", "L2", "L3", "L4"]), st.integers(1, 9), min_size=1, max_size=4
    ),
    ordered=st.dictionaries(st.sampled_from(["L1", "L2", "L3", "L5"]), st.integers(1, 9)),
    moved=st.booleans(),
)
def test_applying_the_difference_leaves_nothing_to_change(sent, ordered, moved):
    """Property: a PO with the order's values (what Send update writes) has no difference."""
    order_lines = [_order_line(line_id, quantity) for line_id, quantity in ordered.items()]
    new_address = WORK if moved else HOME
    lines = [_sent(line_id, quantity) for line_id, quantity in sent.items()]
    changes = diff_purchase_order(HOME, lines, new_address, order_lines, {})

    applied = [
        replace(line, quantity=change.new_quantity)
        if (change := changes.line(line.order_line_id))
        else line
        for line in lines
    ]
    ship_to = changes.new_ship_to or HOME

    assert diff_purchase_order(ship_to, applied, new_address, order_lines, {}).is_empty
    assert changes.is_empty == (not moved and all(ordered.get(k) == v for k, v in sent.items()))


def test_the_same_difference_twice_is_flagged_once_and_a_revert_clears_it():
    po = _po()
    changes = POChanges(HOME, WORK)

    first = po.flag_changes(changes, actor="Saleor", at=NOW)
    again = po.flag_changes(POChanges(HOME, WORK), actor="Saleor", at=NOW)

    assert (first, again) == (True, False)
    assert po.changes == changes and [e.action for e in po.events] == ["changed since sent"]
    assert po.flag_changes(POChanges(), actor="Saleor", at=NOW) is True
    assert po.changes is None and po.events[-1].action == "change reverted"
    assert po.flag_changes(POChanges(), actor="Saleor", at=NOW) is False


def test_send_update_applies_the_change_and_the_next_send_is_the_amendment():
    po = _po(POStatus.ACKNOWLEDGED)
    removed = LineChange("L2", "SKU-L2", "P L2", 1, 0)
    po.flag_changes(POChanges(HOME, WORK, (removed,)), actor="Saleor", at=NOW)
    assert po.can_send_update

    applied = po.apply_changes(actor="staff", at=NOW)

    assert applied.new_ship_to == WORK and po.ship_to == WORK
    assert [line.quantity for line in po.lines] == [2, 0]  # the removed line is cancelled
    assert po.total == Money(Decimal("10.00"), "USD")
    assert po.changes is None and not po.can_send_update
    assert (po.amended_revision, po.amended_label) == (2, "AMENDED — revision 2")
    assert po.amendment_pending and po.can_resend(True)
    po.ensure_sendable()  # acknowledged, but the amendment may go out

    po.mark_sent(actor="worker", at=NOW, via="email")

    assert (po.status, po.revision, po.amendment_pending) == (POStatus.ACKNOWLEDGED, 2, False)
    assert po.events[-1].action == "amendment sent" and po.is_amended
    with pytest.raises(RuleViolation):
        po.ensure_sendable()  # acknowledged, nothing pending


def test_a_failed_amendment_send_keeps_the_status():
    po = _po(POStatus.PARTIALLY_SHIPPED)
    po.flag_changes(POChanges(HOME, WORK), actor="Saleor", at=NOW)
    po.apply_changes(actor="staff", at=NOW)

    po.record_send_failure(actor="worker", at=NOW, reason="mail server down")

    assert po.status is POStatus.PARTIALLY_SHIPPED and po.amendment_pending
    assert po.events[-1].action == "resend failed"


def test_only_shipped_changes_cannot_be_sent_and_stay_flagged():
    po = _po(POStatus.PARTIALLY_SHIPPED)
    shipped = LineChange("L1", "SKU-L1", "P L1", 2, 1, shipped=2)
    po.flag_changes(POChanges(lines=(shipped,)), actor="Saleor", at=NOW)

    assert not po.can_send_update
    with pytest.raises(RuleViolation, match="no change that can be sent"):
        po.apply_changes(actor="staff", at=NOW)
    assert po.changes is not None and po.lines[0].quantity == 2


def test_a_manual_amendment_counts_as_handed_over():
    po = _po()
    po.flag_changes(POChanges(HOME, WORK), actor="Saleor", at=NOW)
    po.apply_changes(actor="staff", at=NOW)

    po.record_amendment_by_hand(actor="staff", at=NOW)

    assert (po.revision, po.amendment_pending, po.is_amended) == (2, False, True)
    assert po.events[-1].action == "amendment to send by hand"


@pytest.mark.parametrize(
    "status",
    [POStatus.CREATED, POStatus.SHIPPED, POStatus.CANCELLED, POStatus.CANCEL_REQUESTED],
    ids=lambda s: f"{s.value}_case",
)
def test_pos_the_vendor_does_not_owe_are_not_compared(status):
    po = _po(status)
    po.changes = POChanges(HOME, WORK)

    assert not po.is_compared_with_order and not po.can_send_update
