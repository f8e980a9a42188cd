"""The order widget in Chromium, embedded by the fake Dashboard as a POST widget at 330 px.

The harness submits a hidden form (accessToken, saleorApiUrl, appId, orderId) into the iframe,
sends the handshake and theme over postMessage and answers the widget's actions. The widget is
the real app over HTTP (live_app), installed in the fake Saleor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from app.services import tasks
from app.services.orders import refresh_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import list_purchase_orders
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.gate import approve_review, paid

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser

WIDTH = 330
SCREENSHOT = "/tmp/order-widget.png"


def _arrange(fake: Any, live: Any, *, ready_to_ship: bool = True) -> dict[str, Any]:
    """Shirt: Acme (default) or Cargo, both by email; mug: Bolt Supply, by hand. Ready to ship:
    charged and its risk review approved (it passes the gate to vendors); else as it arrives,
    authorised and not reviewed."""
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    vendors = {}
    for code, name, channel in (
        ("ACME", "Acme", {"emails_to": "po@acme.test"}),
        ("CARGO", "Cargo Co", {"emails_to": "po@cargo.test"}),
        ("BOLT", "Bolt Supply", {"integration": "manual"}),
    ):
        data = {"code": code, "name": name, "currency": "USD", **channel}
        vendors[code] = save_vendor(uow_factory, installation.id, data)
    shirt, mug = global_id("Product", 601), global_id("Product", 602)
    for code, product, cost, default in (
        ("ACME", shirt, "12.50", True),
        ("CARGO", shirt, "11.75", False),
        ("BOLT", mug, "3.25", True),
    ):
        entry = {"vendor_id": vendors[code].id, "product_id": product, "unit_cost": cost}
        save_product_vendor(uow_factory, installation.id, {**entry, "is_default": default})
    lines = []
    for name, sku, quantity, product in (
        ("Polygon Shirt with a rather long product name", "SHIRT-M", 2, shirt),
        ("Dark Mug", "MUG-1", 1, mug),
    ):
        line = make_line(sku=sku, quantity=quantity, productName=name, variantName="M")
        line["variant"]["product"] = {"id": product, "name": name}
        lines.append(line)
    order = make_order(number="1042", lines=lines, authorizeStatus="FULL")
    fake.add_order(paid(order) if ready_to_ship else order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    if ready_to_ship:
        approve_review(uow_factory, installation.id, order["id"])
    return {
        "installation_id": installation.id,
        "order_id": order["id"],
        "shirt_line": lines[0]["id"],
        "cargo": vendors["CARGO"].id,
    }


def _actions(page: Page, action_type: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "t => window.receivedActions.filter(a => a.type === t)", action_type
    )
    return found


def _settled_height(page: Page, frame: Any) -> None:
    """Wait until the iframe has the height of the widget's document (auto-resize caught up)."""
    page.wait_for_function(
        "h => Math.round(harness.frameHeight()) === h",
        arg=frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)"),
    )


def test_merchant_orders_from_the_widget(
    installed, dashboard: DashboardHarness, page: Page
) -> None:
    fake, live, app = installed
    shop = _arrange(fake, live)
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 800, "height": 1200})

    # Given the order page with the widget POSTed into its 330 px iframe
    order = {"orderId": shop["order_id"]}
    widget = dashboard.open_extension(
        fake, app, "ORDER_DETAILS_WIDGETS", token, order, width=str(WIDTH)
    )
    expect(widget.locator("#order-state")).to_have_text("New")
    frame = page.frame(name="app-frame")
    assert frame is not None
    # Then it announced itself and asked the dashboard for its height
    page.wait_for_function("window.receivedActions.some(a => a.type === 'widgetResize')")
    _settled_height(page, frame)
    assert page.evaluate("harness.frameHeight()") > 200

    # When the dashboard switches to dark
    page.evaluate("harness.sendTheme('dark')")
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")

    # And the merchant sends the shirt to Cargo Co instead of Acme (the select saves on change)
    shirt = widget.locator(f'[data-line-id="{shop["shirt_line"]}"]')
    expect(shirt.get_by_role("button", name="Save")).to_be_hidden()
    shirt.locator("select").select_option(str(shop["cargo"]))

    # Then the widget is drawn again, still dark, with Cargo Co chosen
    expect(widget.locator("#outcome")).to_contain_text("goes to Cargo Co")
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    expect(shirt.locator("select")).to_have_value(str(shop["cargo"]))

    # When the merchant creates and sends the POs
    resizes_before = len(_actions(page, "widgetResize"))
    widget.get_by_role("button", name="Create PO(s) & Send").click()

    # Then both POs are listed with their status, and the dashboard was told
    expect(widget.locator("#outcome")).to_contain_text("2 PO(s) created")
    pos = widget.locator(".ow-po")
    expect(pos).to_have_count(2)
    expect(pos.nth(0)).to_contain_text("PO 1042-1")
    expect(pos.nth(0)).to_contain_text("Bolt Supply")
    expect(pos.nth(1)).to_contain_text("PO 1042-2")
    expect(pos.nth(1)).to_contain_text("Cargo Co")
    expect(widget.locator(".po-status")).to_have_text(["Created", "Created"])
    expect(widget.locator("#order-state")).to_have_text("In Process")
    # And completing by hand is offered folded, as optional, not as the next step
    by_hand = widget.locator("#complete-by-hand")
    expect(by_hand.locator("summary")).to_have_text("Complete the order by hand (optional)…")
    expect(by_hand.get_by_role("button", name="Complete order by hand")).to_be_hidden()
    by_hand.locator("summary").click()
    expect(by_hand.get_by_label("Reason")).to_have_attribute("required", "")
    expect(by_hand.locator("label")).to_contain_text(
        "required: 2 drop-shipped line(s) are not fulfilled, and the order note in Saleor records"
    )
    by_hand.locator("summary").click()
    expect(widget.get_by_role("button", name="Create PO(s) & Send")).to_be_disabled()
    expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_function("window.receivedActions.some(a => a.type === 'notification')")
    [notification] = _actions(page, "notification")
    assert notification["payload"]["status"] == "success"
    assert notification["payload"]["title"] == "2 PO(s) created"
    assert notification["payload"]["text"].startswith("1042-1 (Bolt Supply), 1042-2 (Cargo Co)")
    # Only the email vendor's PO was queued for sending
    cargo_po = list_purchase_orders(
        live.container.uow_factory, shop["installation_id"], shop["order_id"]
    )[1]
    sends = [k for t, k in live.container.task_queue.tasks if t == tasks.SEND_PURCHASE_ORDER]
    assert [k["po_id"] for k in sends] == [cargo_po.id]

    # And the iframe kept following the widget's height across the in-frame page loads
    page.wait_for_function(
        "n => window.receivedActions.filter(a => a.type === 'widgetResize').length > n",
        arg=resizes_before,
    )
    _settled_height(page, frame)
    # And nothing overflows sideways at 330 px
    widths = frame.evaluate(
        "({client: document.documentElement.clientWidth,"
        " scroll: document.documentElement.scrollWidth,"
        " widest: Math.max(...[...document.querySelectorAll('body *')]"
        "   .map(e => e.getBoundingClientRect().right))})"
    )
    assert widths["client"] == WIDTH
    assert widths["scroll"] <= widths["client"]
    assert widths["widest"] <= WIDTH

    # When the merchant opens a PO's history, the iframe grows; folded again, it shrinks back
    history = widget.locator(".ow-po").nth(1).locator(".ow-history summary")
    closed = page.evaluate("harness.frameHeight()")
    history.click()
    page.wait_for_function("h => harness.frameHeight() > h", arg=closed)
    _settled_height(page, frame)
    page.locator("#app-frame").screenshot(path=SCREENSHOT)
    history.click()
    page.wait_for_function("h => harness.frameHeight() === h", arg=closed)
