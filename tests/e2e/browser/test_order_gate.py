"""The gate to vendors in Chromium: "Create PO(s) & Send" on an order that is neither approved
nor charged opens a confirmation that says why; the merchant goes ahead on purpose with a
reason, and the POs' history says who, when and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from app.services.purchase_orders import list_purchase_orders
from tests.e2e.browser.test_order_widget import _arrange

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser

WHY = "Regular customer, pays by invoice"


def test_merchant_confirms_the_gate_with_a_reason(
    installed, dashboard: DashboardHarness, page: Page
) -> None:
    fake, live, app = installed
    shop = _arrange(fake, live, ready_to_ship=False)
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 800, "height": 1200})

    # Given the widget of an order as it arrives: authorised, not charged, not reviewed
    widget = dashboard.open_extension(
        fake, app, "ORDER_DETAILS_WIDGETS", token, {"orderId": shop["order_id"]}, width="330"
    )
    held = widget.locator("#gate-reasons li")
    expect(held).to_have_text(
        ["risk review not done (not reviewed yet)", "not charged: $135.00 authorised, not captured"]
    )

    # When the merchant clicks "Create PO(s) & Send"
    widget.get_by_role("button", name="Create PO(s) & Send").click()

    # Then a confirmation says why, and nothing was created
    dialog = widget.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Send this order to vendors anyway?")
    expect(dialog.locator("li")).to_have_text(
        ["risk review not done (not reviewed yet)", "not charged: $135.00 authorised, not captured"]
    )
    expect(widget.locator(".ow-po")).to_have_count(0)
    assert list_purchase_orders(live.container.uow_factory, shop["installation_id"],
                                shop["order_id"]) == []  # fmt: skip

    # When the merchant steps back, the dialog closes and still nothing is created
    dialog.get_by_role("button", name="Not now").click()
    expect(dialog).to_be_hidden()

    # When the merchant clicks again and goes ahead on purpose, with a reason
    widget.get_by_role("button", name="Create PO(s) & Send").click()
    dialog = widget.get_by_role("dialog")
    go_ahead = dialog.get_by_role("button", name="Create PO(s) & Send anyway")
    go_ahead.click()  # the reason and the box are required: the browser keeps the dialog
    expect(dialog).to_be_visible()
    dialog.get_by_label("Why go ahead?").fill(WHY)
    dialog.get_by_label("I go ahead on purpose.").check()
    go_ahead.click()

    # Then the POs are created and sent, and their history says who went ahead and why
    expect(widget.locator("#outcome")).to_contain_text("2 PO(s) created")
    expect(widget.get_by_role("dialog")).to_have_count(0)
    pos = widget.locator(".ow-po")
    expect(pos).to_have_count(2)
    history = pos.nth(0).locator(".ow-history")
    history.locator("summary").click()
    expect(history.locator("li").nth(1)).to_contain_text(
        "staff@example.com · gate overridden: staff@example.com went ahead on purpose although "
        "risk review not done (not reviewed yet); not charged: $135.00 authorised, not captured. "
        f"Reason: {WHY}"
    )
