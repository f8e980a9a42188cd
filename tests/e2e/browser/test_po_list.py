"""The Purchase orders tab in Chromium, inside the fake Dashboard: search, a bulk action with
its confirmation, and the order link that asks the Dashboard to navigate (AppBridge redirect)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from app.domain.purchase_orders import POStatus
from tests.e2e.browser.test_vendor_pages import _actions
from tests.integration.web.test_po_list_page import _seed
from tests.integration.web.test_vendor_pages import _installation_id

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser


def test_merchant_finds_pos_marks_two_as_sent_and_opens_an_order(
    installed, dashboard: DashboardHarness, page: Page
):
    fake, live, app = installed
    _seed(live, fake, count=2)
    manual = _seed(live, fake, count=2, vendor_name="By Hand", code="MAN", integration="manual")
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 1100, "height": 900})
    app_page = dashboard.open_extension(fake, app, "NAVIGATION_ORDERS", token, width="1000")

    # Given the Purchase orders tab, searched by SKU
    app_page.get_by_role("link", name="Purchase orders").click()
    expect(app_page.locator("#po-list tbody tr")).to_have_count(4)
    app_page.get_by_label("PO, order number or SKU").fill("MAN-SKU-2")
    app_page.get_by_role("button", name="Apply", exact=True).click()
    expect(app_page.locator("#po-list tbody tr")).to_have_count(1)
    app_page.get_by_role("link", name="Clear").click()
    expect(app_page.locator("#po-list tbody tr")).to_have_count(4)

    # When the merchant selects the two manual POs and marks them as sent
    for po in manual:
        app_page.get_by_label(f"Select PO {po.number}").check()
    app_page.get_by_label("With the selected POs").select_option("mark_sent")
    app_page.get_by_role("button", name="Apply to selected").click()

    # Then the page asks first, and nothing changed yet
    expect(app_page.locator("#bulk-confirm")).to_contain_text("Mark as sent 2 POs?")
    with live.container.uow_factory() as uow:
        assert uow.purchase_orders.get(_installation_id(live, fake), manual[0].id).status is (
            POStatus.CREATED
        )
    app_page.get_by_role("button", name="Mark as sent 2 POs").click()

    # Then both are sent, the Dashboard was told, and the rows say so
    expect(app_page.locator("#notice")).to_contain_text("2 POs marked as sent: MAN-2, MAN-1.")
    expect(app_page.locator(f"#po-row-{manual[0].id} .badge")).to_have_text("Sent")
    assert _actions(page, "notification")

    # When the merchant opens an order from its row, the Dashboard is asked to navigate
    app_page.get_by_label("Open order 101 in the dashboard").first.click()
    page.wait_for_function("window.receivedActions.some(a => a.type === 'redirect')")
    targets = [action["payload"]["to"] for action in _actions(page, "redirect")]
    assert targets == ["/orders/T3JkZXI6MAN1"]  # same order, same time: the newer PO first
