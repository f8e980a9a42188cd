"""The gate to vendors over HTTP: "Create PO(s)" on an order not approved or not charged is
answered 409 with the widget's confirmation (each reason in words, no PO written); the merchant
goes ahead with a reason, kept in the PO history and the order's note; an approved and paid
order passes with no question; a decided review of a changed order says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.domain.purchase_orders import POStatus
from app.services import tasks
from app.services.purchase_orders import list_purchase_orders
from tests.integration.web.test_order_review import _review
from tests.integration.web.test_order_widget import (
    Shop,
    _arrange_shop,
    act,
    banner,
    open_widget,
    pending_notes,
    queued,
)

REASONS = [
    "risk review not done (verdict: low, score 15)",
    "not charged: $135.00 authorised, not captured",
]
WHY = "Known customer, pays by invoice"


def _held_shop(installed) -> Shop:
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app, ready_to_ship=False)
    _review(shop)  # computed, not decided
    return shop


def _dialog_reasons(page: str) -> list[str]:
    match = re.search(r'<ul class="small" id="gate-dialog-reasons">(.*?)</ul>', page, re.S)
    assert match, "no confirmation dialog"
    return [" ".join(text.split()) for text in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1))]


def _pos(shop: Shop):
    return list_purchase_orders(shop.uow_factory, shop.installation_id, shop.order_id)


def test_a_held_order_is_answered_409_with_the_reasons_and_nothing_is_written(installed):
    shop = _held_shop(installed)
    page = open_widget(shop).text
    assert 'id="gate-reasons"' in page  # said before the click too

    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert answer.status_code == 409
    assert banner(answer.text).startswith("Send to vendors anyway? Confirm to go ahead: ")
    assert _dialog_reasons(answer.text) == REASONS
    assert 'name="send" value="1"' in answer.text
    assert _pos(shop) == []
    assert pending_notes(shop) == []
    assert queued(shop, tasks.SEND_PURCHASE_ORDER) == []


def test_without_the_box_ticked_the_reason_alone_does_not_go_ahead(installed):
    shop = _held_shop(installed)
    page = open_widget(shop).text

    answer = act(shop, page, "/widgets/order/purchase-orders", send="0", go_ahead_reason=WHY)

    assert answer.status_code == 409
    assert "Create POs for this order anyway?" in answer.text
    assert f'value="{WHY}"' in answer.text  # kept for the second try
    assert _pos(shop) == []


def test_going_ahead_with_a_reason_records_who_when_and_why(installed):
    shop = _held_shop(installed)
    page = open_widget(shop).text
    before = datetime.now(UTC)

    answer = act(
        shop, page, "/widgets/order/purchase-orders", send="1", go_ahead="1", go_ahead_reason=WHY
    )

    assert answer.status_code == 200, banner(answer.text)
    assert banner(answer.text).startswith("2 PO(s) created")
    expected = (
        f"staff@example.com went ahead on purpose although {'; '.join(REASONS)}. Reason: {WHY}"
    )
    for po in _pos(shop):
        assert po.status is POStatus.CREATED
        [override] = [e for e in po.events if e.action == "gate overridden"]
        assert (override.actor, override.detail) == ("staff@example.com", expected)
        at = override.at if override.at.tzinfo else override.at.replace(tzinfo=UTC)  # SQLite
        assert at >= before
    assert pending_notes(shop) == [
        f"Drop-ship PO(s) created: 1042-1 (Acme), 1042-2 (Bolt Supply). {expected}"
    ]
    assert "gate overridden" in answer.text  # in the PO history
    assert len(queued(shop, tasks.SEND_PURCHASE_ORDER)) == 1  # Acme, by email


def test_an_empty_reason_asks_again(installed):
    shop = _held_shop(installed)
    page = open_widget(shop).text

    answer = act(
        shop, page, "/widgets/order/purchase-orders", send="1", go_ahead="1", go_ahead_reason=" "
    )

    assert answer.status_code == 409
    assert _dialog_reasons(answer.text) == REASONS
    assert _pos(shop) == []


def test_an_approved_and_paid_order_passes_with_no_question(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app)  # ready to ship
    page = open_widget(shop).text
    assert 'id="gate-reasons"' not in page

    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")

    assert answer.status_code == 200
    assert 'id="gate-dialog"' not in answer.text
    assert [e.action for e in _pos(shop)[0].events] == ["created"]


def test_a_decided_review_of_a_changed_order_says_so_and_holds_it(installed):
    fake, live, app = installed
    shop = _arrange_shop(fake, live, app)  # approved before the app kept review inputs
    assert _review(shop).changed_at is None  # reviewed again: the inputs are kept now
    with fake.store.lock:
        fake.store.get_order(shop.order_id)["userEmail"] = "someone.else@example.com"

    _review(shop)  # ORDER_UPDATED: reviewed again

    page = open_widget(shop).text
    assert 'id="risk-changed"' in page
    answer = act(shop, page, "/widgets/order/purchase-orders", send="1")
    assert answer.status_code == 409
    [reason] = _dialog_reasons(answer.text)
    assert reason.startswith("order changed on ")
    assert reason.endswith(", after reviewer@shop.test approved its risk review")
