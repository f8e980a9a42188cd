"""The vendor's API key in Chromium, inside the fake Dashboard: created on the vendor's page,
shown once, rotated, and the shown key is the one the vendor API takes."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
import requests
from playwright.sync_api import Page, expect

from app.services.vendors import save_vendor

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser


def _api_status(live, key: str) -> int:
    return requests.get(
        f"{live.url}/api/vendor/v1/purchase-orders/NONE",
        headers={"Authorization": f"Bearer {key}"},
        timeout=5,
    ).status_code


def test_merchant_creates_and_rotates_a_vendors_api_key(
    installed, dashboard: DashboardHarness, page: Page
):
    fake, live, app = installed
    with live.container.uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(fake.api_url).id
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "integration": "manual"}
    save_vendor(live.container.uow_factory, shop, data)
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 1000, "height": 1400})

    # Given the vendor's page opened from the Dashboard's menu
    app_page = dashboard.open_extension(fake, app, "NAVIGATION_ORDERS", token, width="900")
    app_page.get_by_role("link", name="Edit Acme Supply").click()
    expect(app_page.locator("#api-key-status")).to_contain_text("No API key")

    # When the merchant creates a key
    app_page.get_by_role("button", name="Create API key").click()

    # Then it is shown once, works on the vendor API, and the page names its id
    shown = app_page.locator("#api-key-plaintext")
    expect(shown).to_contain_text("dsk_")
    first = shown.inner_text()
    expect(app_page.locator("#api-key-status")).to_contain_text(first.split("_")[1])
    if os.environ.get("SCREENSHOT_DIR"):
        section = app_page.locator("#vendor-api-key")
        section.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/vendor-api-key.png")
    assert _api_status(live, first) == 404  # the key was taken; no such PO

    # When the merchant rotates it
    app_page.get_by_role("button", name="Rotate key (the current key stops working)").click()

    # Then a new key shows and the first one no longer works
    expect(shown).not_to_have_text(first)
    second = shown.inner_text()
    assert (_api_status(live, first), _api_status(live, second)) == (401, 404)
