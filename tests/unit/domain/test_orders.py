"""The order's drop-ship state: its transitions and the one rule that decides "Complete"."""

from __future__ import annotations

import pytest

from app.domain.errors import RuleViolation
from app.domain.orders import DropShipState, Order, OrderErrorCode, OrderInfo, OrderLine


def _line(line_id: str, quantity: int, fulfilled: int) -> OrderLine:
    return OrderLine(line_id, "P", "V", "SKU", f"Product {line_id}", "", quantity, fulfilled)


def _order(*lines: OrderLine, state: DropShipState = DropShipState.IN_PROCESS) -> Order:
    return Order(OrderInfo("O1", "1042", "UNFULFILLED", lines=lines), state)


def test_start_processing_moves_only_a_new_order():
    order = _order(_line("L1", 1, 0), state=DropShipState.NEW)

    assert order.start_processing() is True
    assert order.state is DropShipState.IN_PROCESS
    assert order.start_processing() is False


@pytest.mark.parametrize(
    ("lines", "drop_shipped", "expected"),
    [
        pytest.param(
            (_line("L1", 2, 2), _line("L2", 1, 0)), {"L1"}, True, id="other_line_open_case"
        ),
        pytest.param((_line("L1", 2, 1),), {"L1"}, False, id="partly_fulfilled_case"),
        pytest.param((_line("L1", 2, 2),), set(), False, id="nothing_drop_shipped_case"),
        pytest.param((_line("L1", 2, 2),), {"gone"}, False, id="unknown_line_case"),
    ],
)
def test_fully_fulfilled_counts_only_drop_shipped_lines(lines, drop_shipped, expected):
    assert _order(*lines).is_fully_fulfilled(drop_shipped) is expected


def test_complete_with_open_lines_needs_a_reason():
    order = _order(_line("L1", 2, 0))

    with pytest.raises(RuleViolation) as refused:
        order.complete({"L1"})

    assert (refused.value.code, refused.value.field) == (OrderErrorCode.LINES_UNFULFILLED, "reason")
    assert refused.value.message == (
        "Not yet fulfilled: Product L1. Give a reason to complete the order anyway."
    )
    assert order.state is DropShipState.IN_PROCESS
    order.complete({"L1"}, reason="  Collected in store ")
    assert (order.state, order.state_note) == (DropShipState.COMPLETE, "Collected in store")


def test_following_fulfilments_completes_and_reopens():
    order = _order(_line("L1", 1, 1))

    assert order.follow_fulfilments({"L1"}) == (
        "Drop-ship order complete: every drop-shipped line is fulfilled."
    )
    assert (order.state, order.state_note) == (DropShipState.COMPLETE, None)
    assert order.follow_fulfilments({"L1"}) is None

    order.info = order.info.with_fulfilled({"L1": -1})
    assert order.follow_fulfilments({"L1"}) == (
        "Drop-ship order back in process: a shipment was cancelled."
    )
    assert order.state is DropShipState.IN_PROCESS


def test_an_order_completed_by_hand_stays_complete():
    order = _order(_line("L1", 1, 0))
    order.complete({"L1"}, reason="Vendor refunded")

    assert order.follow_fulfilments({"L1"}) is None
    assert (order.state, order.state_note) == (DropShipState.COMPLETE, "Vendor refunded")


def test_confirming_a_confirmed_order_is_refused_with_its_code():
    with pytest.raises(RuleViolation) as refused:
        _order(_line("L1", 1, 0)).ensure_confirmable()

    assert refused.value.code is OrderErrorCode.ALREADY_CONFIRMED
