"""Vendors in Chromium, inside the fake Dashboard: the app page and the product widget.

Both are opened from the installed manifest the way dashboard 3.23 resolves them (dashboard_urls):
the app page as the NAVIGATION_ORDERS menu entry (GET, token over AppBridge), the product widget
as a PRODUCT_DETAILS_WIDGETS POST widget at 330 px. Both are the real app
over HTTP (live_app), installed in the fake Saleor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from app.services.product_vendors import list_product_vendors
from app.services.vendors import list_vendors, save_vendor
from tests.builders import global_id

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser

WIDGET_WIDTH = 330
PRODUCT = global_id("Product", 901)
VARIANT_M = global_id("ProductVariant", 9012)


def _installation_id(live: Any, fake: Any) -> Any:
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(fake.api_url).id


def _actions(page: Page, action_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "t => window.receivedActions.filter(a => a.type === t)", action_type
    )
    return found


def test_merchant_creates_a_vendor_on_the_app_page(
    installed, dashboard: DashboardHarness, page: Page
):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 1000, "height": 900})

    # Given the Drop-ship page opened from the Dashboard's menu (token handed over by AppBridge)
    app_page = dashboard.open_extension(fake, app, "NAVIGATION_ORDERS", token, width="900")
    expect(app_page.locator("#no-vendors")).to_contain_text("No vendors yet.")
    expect(app_page.locator("#user-email")).to_have_text("staff@example.com")

    # When the merchant opens the form and saves it with a wrong currency
    app_page.get_by_role("link", name="New vendor").click()
    app_page.get_by_label("Name", exact=True).fill("Acme Supply")
    app_page.get_by_label("Code").fill("acme")
    app_page.get_by_label("Currency").fill("U5D")
    app_page.get_by_label("Order emails").fill("orders@acme.test")
    expect(app_page.locator("option[value=http]")).to_be_enabled()  # HTTP vendors (issue 15)
    app_page.get_by_role("button", name="Create vendor").click()

    # Then the currency is marked, the input is kept and focused, nothing is stored
    expect(app_page.locator("#currency-error")).to_have_text(
        "Use a 3-letter currency code such as USD."
    )
    expect(app_page.get_by_label("Currency")).to_be_focused()
    expect(app_page.get_by_label("Name", exact=True)).to_have_value("Acme Supply")
    assert list_vendors(live.container.uow_factory, _installation_id(live, fake)) == []

    # When the merchant corrects it
    app_page.get_by_label("Currency").fill("usd")
    app_page.get_by_role("button", name="Create vendor").click()

    # Then the list shows the vendor, and the Dashboard was notified
    expect(app_page.locator("#notice")).to_have_text("Acme Supply (ACME) was created.")
    [vendor] = list_vendors(live.container.uow_factory, _installation_id(live, fake))
    row = app_page.locator(f"#vendor-{vendor.id}")
    expect(row).to_contain_text("Acme Supply")
    expect(row.locator(".badge")).to_have_text("Active")
    page.wait_for_function("window.receivedActions.some(a => a.type === 'notification')")
    [notification] = _actions(page, "notification")
    assert {k: notification["payload"][k] for k in ("status", "text")} == {
        "status": "success",
        "text": "Acme Supply (ACME) was created.",
    }

    # And the CSV export downloads vendors.csv from inside the iframe
    with page.expect_download() as download_info:
        app_page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "vendors.csv"
    with open(download.path(), encoding="utf-8") as exported:
        assert exported.read().splitlines()[1].startswith("ACME,Acme Supply,USD,email,")

    # And the Settings tab loads in place
    app_page.get_by_role("link", name="Settings").click()
    expect(app_page.get_by_label("Purchase order numbers")).to_have_value("{order}-{n}")


def test_merchant_adds_a_vendor_in_the_product_widget(
    installed, dashboard: DashboardHarness, page: Page
):
    fake, live, app = installed
    fake.add_product(
        {
            "id": PRODUCT,
            "name": "Polo",
            "variants": [
                {"id": global_id("ProductVariant", 9011), "sku": "POLO-S", "name": "S"},
                {"id": VARIANT_M, "sku": "POLO-M", "name": "M"},
            ],
        }
    )
    installation_id = _installation_id(live, fake)
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "o@acme.test"}
    vendor = save_vendor(live.container.uow_factory, installation_id, data)
    token = fake.issue_dashboard_token(app)
    page.set_viewport_size({"width": 800, "height": 1200})

    # Given the product page with the Vendors widget POSTed into its 330 px iframe
    product = {"productId": PRODUCT}
    widget = dashboard.open_extension(
        fake, app, "PRODUCT_DETAILS_WIDGETS", token, product, width=str(WIDGET_WIDTH)
    )
    expect(widget.locator("#no-product-vendors")).to_be_visible()
    page.wait_for_function("window.receivedActions.some(a => a.type === 'widgetResize')")

    # When the Dashboard turns dark and the merchant adds Acme for size M only
    page.evaluate("harness.sendTheme('dark')")
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    resizes_before = len(_actions(page, "widgetResize"))
    widget.get_by_label("Vendor", exact=True).select_option(str(vendor.id))
    widget.get_by_label("Applies to").select_option(VARIANT_M)
    widget.get_by_label("Unit cost").fill("4.25")
    widget.get_by_role("button", name="Add vendor").click()

    # Then the card shows it as the default, still dark, and it is stored
    expect(widget.locator("#notice")).to_have_text("Vendor saved.")
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    [option] = list_product_vendors(live.container.uow_factory, installation_id, PRODUCT)
    entry = option.product_vendor
    assert (entry.vendor_id, entry.variant_id, str(entry.unit_cost), entry.is_default) == (
        vendor.id,
        VARIANT_M,
        "4.25 USD",
        True,
    )
    expect(widget.locator(f"#entry-{entry.id}-head")).to_contain_text("Default")
    expect(widget.locator(f"#entry-{entry.id}-facts")).to_contain_text("Variant POLO-M")

    # And after the in-frame page load the widget still talks to the Dashboard
    page.wait_for_function(
        "n => window.receivedActions.filter(a => a.type === 'widgetResize').length > n",
        arg=resizes_before,
    )
    page.wait_for_function("window.receivedActions.some(a => a.type === 'notification')")
    frame = page.frame(name="app-frame")
    assert frame is not None
    page.wait_for_function(
        "h => Math.round(harness.frameHeight()) === h",
        arg=frame.evaluate("Math.ceil(document.documentElement.scrollHeight)"),
    )
    # And nothing overflows sideways at 330 px
    widths = frame.evaluate(
        "({client: document.documentElement.clientWidth,"
        " scroll: document.documentElement.scrollWidth})"
    )
    assert widths == {"client": WIDGET_WIDTH, "scroll": WIDGET_WIDTH}
