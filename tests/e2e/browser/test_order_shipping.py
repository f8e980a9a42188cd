"""Adding tracking in Chromium: the order widget POSTed by the fake Dashboard into a 330 px iframe.

The widget is the real app over HTTP (live_app), installed in the fake Saleor; the POs are
arranged through the services and marked as sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from app.services import tasks
from app.services.orders import refresh_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import create_purchase_orders, mark_purchase_order_sent
from app.services.shipments import list_shipments
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.gate import pass_the_gate

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser

WIDTH = 330
UPS = "1Z999AA10123456784"
SCREENSHOT = "/tmp/order-shipping.png"


def _arrange(fake: Any, live: Any) -> dict[str, Any]:
    """Order 1042: two shirts from Acme (PO 1042-1), a mug from Bolt Supply (PO 1042-2), sent."""
    uow_factory, queue = live.container.uow_factory, live.container.task_queue
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    lines = []
    for code, name, channel, product_name, sku, quantity, pk in (
        ("ACME", "Acme", {"emails_to": "po@acme.test"}, "Polygon Shirt", "SHIRT-M", 2, 701),
        ("BOLT", "Bolt Supply", {"integration": "manual"}, "Dark Mug", "MUG-1", 1, 702),
    ):
        vendor = save_vendor(
            uow_factory, installation.id, {"code": code, "name": name, "currency": "USD", **channel}
        )
        product = global_id("Product", pk)
        save_product_vendor(
            uow_factory,
            installation.id,
            {"vendor_id": vendor.id, "product_id": product, "unit_cost": "5", "is_default": True},
        )
        line = make_line(sku=sku, quantity=quantity, productName=product_name, variantName="M")
        line["variant"]["product"] = {"id": product, "name": product_name}
        lines.append(line)
    order = make_order(number="1042", lines=lines)
    fake.add_order(order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    pass_the_gate(uow_factory, installation.id, order["id"])
    pos = create_purchase_orders(
        uow_factory, queue, installation.id, order["id"], actor="staff@example.com", send=False
    )
    for po in pos:
        mark_purchase_order_sent(uow_factory, queue, installation.id, po.id, actor="m@shop.test")
    return {"installation_id": installation.id, "order_id": order["id"]}


def test_merchant_adds_a_tracking_number_to_a_po(
    installed, dashboard: DashboardHarness, page: Page
) -> None:
    fake, live, app = installed
    shop = _arrange(fake, live)
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    page.set_viewport_size({"width": 800, "height": 1200})

    # Given the order page with the widget in its 330 px iframe, both POs sent
    order = {"orderId": shop["order_id"]}
    widget = dashboard.open_extension(
        fake, app, "ORDER_DETAILS_WIDGETS", token, order, width=str(WIDTH)
    )
    acme = widget.locator('.ow-shipping[data-po-number="1042-1"]')
    expect(acme).to_contain_text("Acme · 0 of 2 shipped")

    # When the merchant opens Add tracking on PO 1042-1 and enters a UPS number
    acme.get_by_text("Add tracking…").click()
    expect(acme.get_by_label("Polygon Shirt · M (2 of 2 left)")).to_have_value("2")
    expect(acme.get_by_label("Carrier")).to_have_value("")  # Detect from number
    acme.get_by_label("Tracking number(s), comma separated").fill(UPS)
    acme.get_by_role("button", name="Add tracking").click()

    # Then the widget is drawn again with the shipment listed as Pending, with a UPS link
    expect(widget.locator("#outcome")).to_contain_text("Tracking added")
    shipment = acme.locator(".ow-shipment")
    expect(shipment).to_have_count(1)
    expect(shipment.locator(".shipment-status")).to_have_text("Pending")
    expect(shipment.locator(".ow-carrier")).to_have_text("UPS")
    link = shipment.get_by_role("link", name=UPS)
    expect(link).to_have_attribute(
        "href", f"https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={UPS}"
    )
    expect(link).to_have_attribute("target", "_blank")
    expect(acme).to_contain_text("Acme · 2 of 2 shipped")
    expect(acme.get_by_text("Add tracking…")).to_have_count(0)  # nothing left on this PO
    # And the dashboard was told, and the write to Saleor was queued for the worker
    page.wait_for_function("window.receivedActions.some(a => a.type === 'notification')")
    [stored] = list_shipments(live.container.uow_factory, shop["installation_id"], shop["order_id"])
    writes = [k for t, k in live.container.task_queue.tasks if t == tasks.WRITE_FULFILMENT]
    assert writes == [{"installation_id": shop["installation_id"], "shipment_id": stored.id}]

    # And nothing overflows sideways at 330 px, with the other PO's form open
    widget.locator('.ow-shipping[data-po-number="1042-2"]').get_by_text("Add tracking…").click()
    frame = page.frame(name="app-frame")
    assert frame is not None
    widths = frame.evaluate(
        "({client: document.documentElement.clientWidth,"
        " scroll: document.documentElement.scrollWidth,"
        " widest: Math.max(...[...document.querySelectorAll('body *')]"
        "   .map(e => e.getBoundingClientRect().right))})"
    )
    assert widths["client"] == WIDTH
    assert widths["scroll"] <= widths["client"]
    assert widths["widest"] <= WIDTH
    page.locator("#app-frame").screenshot(path=SCREENSHOT)
