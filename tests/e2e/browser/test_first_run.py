"""The first-run checklist in Chromium: the app page of a new shop, opened from the menu.

The app page is opened from the installed manifest as dashboard 3.23 does (dashboard_urls,
NAVIGATION_ORDERS); the app is the real one over HTTP (live_app), installed in the fake Saleor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser


def test_a_new_shop_sees_the_checklist_on_the_app_page(
    installed, dashboard: DashboardHarness, page: Page
):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 1000, "height": 900})

    # Given a shop with no vendors, no product vendors, no mail server, opened from the menu
    app_page = dashboard.open_extension(fake, app, "NAVIGATION_ORDERS", token, width="900")

    # Then the checklist shows its four steps, none done
    checklist = app_page.locator("#first-run")
    expect(checklist.get_by_role("heading", name="Get started")).to_be_visible()
    steps = checklist.locator("ol.steps > li")
    expect(steps).to_have_count(4)
    expect(steps.locator(".step-state")).to_have_text(["To do"] * 4)
    expect(steps.locator("strong")).to_have_text(
        [
            "Add a vendor",
            "Assign products to vendors",
            "Mail server",
            "Send a test PO to yourself",
        ]
    )

    # When the merchant follows the products step, the Dashboard is asked to open its products
    checklist.get_by_role("link", name="Open the products").click()
    page.wait_for_function("window.receivedActions.some(a => a.type === 'redirect')")
    [redirect] = _actions(page, "redirect")
    assert redirect["payload"]["to"] == "/products/"

    # And sending a test PO without a Reply-to email says where to set it
    checklist.get_by_role("button", name="Send a test PO").click()
    expect(app_page.locator("#test-po-merchant_email-error")).to_contain_text(
        "Enter your Reply-to email in Settings first"
    )

    # And the mail server step opens the Settings tab, where the checklist is not shown
    app_page.get_by_role("link", name="Set up the mail server").click()
    expect(app_page.get_by_label("SMTP host")).to_be_visible()
    expect(app_page.locator("#first-run")).to_have_count(0)


def _actions(page: Page, action_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "t => window.receivedActions.filter(a => a.type === t)", action_type
    )
    return found
