"""The vendor portal in Chromium on a phone-sized screen (390 px), issue 15's "done when": the
vendor opens the link from the PO email, confirms the PO, backorders a line and enters two
packages; the worker writes them to the fake Saleor as fulfilments and the merchant's widget
shows the shipment. Then the refusals a browser meets: another PO's or a made-up link, a revoked
and an expired link, and a form posted without its form token (CSRF).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright, expect
from sqlalchemy import update

from app.adapters.db import tables
from app.domain.purchase_orders import POStatus
from app.domain.vendor_answers import LineAnswer
from app.services.orders import refresh_order
from app.services.product_vendors import save_product_vendor
from app.services.purchase_orders import (
    create_purchase_orders,
    list_purchase_orders,
    mark_purchase_order_sent,
)
from app.services.shop_settings import save_settings
from app.services.vendor_portal import (
    LINK_REFUSED,
    reissue_purchase_order_link,
    revoke_purchase_order_link,
)
from app.services.vendors import save_vendor
from tests.builders import global_id, make_line, make_order
from tests.e2e.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import open_widget, wait_until, worker_idle
from tests.gate import pass_the_gate
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
UPS = "1Z999AA10123456784"
UPS_2 = "1Z12345E6605272234"
STAFF = "staff@shop.example"
SCREENSHOT = "/tmp/vendor-portal.png"


@pytest.fixture
def phone(playwright_instance: Playwright) -> Iterator[Page]:
    """A 390 px wide page in a Chromium of its own, ended after the test."""
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    page = browser.new_context(viewport=PHONE).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        browser.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def _arrange(fake: Any, live: Any, *, send: bool) -> dict[str, Any]:
    """Order 1042, paid, all three lines from Acme (email) except a mug from Bolt (by hand)."""
    uow_factory, queue = live.container.uow_factory, live.container.task_queue
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    shop = installation.id
    save_settings(uow_factory, shop, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        shop,
        {"code": "ACME", "name": "Acme", "currency": "USD", "emails_to": "po@acme.test"},
    )
    bolt = save_vendor(
        uow_factory,
        shop,
        {"code": "BOLT", "name": "Bolt", "currency": "USD", "integration": "manual"},
    )
    lines = []
    for vendor, name, sku, quantity, pk in (
        (acme, "Desk Lamp", "LAMP", 2, 801),
        (acme, "Lamp Shade", "SHADE", 1, 802),
        (acme, "Bulb", "BULB", 4, 803),
        (bolt, "Dark Mug", "MUG", 1, 804),
    ):
        product = global_id("Product", pk)
        save_product_vendor(
            uow_factory,
            shop,
            {"vendor_id": vendor.id, "product_id": product, "unit_cost": "5", "is_default": True},
        )
        line = make_line(
            sku=sku, quantity=quantity, productName=name, variantName="", allocations=[]
        )
        line["variant"]["product"] = {"id": product, "name": name}
        lines.append(line)
    order = make_order(number="1042", lines=lines, isPaid=True, chargeStatus="FULL")
    fake.add_order(order)
    refresh_order(uow_factory, live.container.saleor, installation, order["id"])
    pass_the_gate(uow_factory, shop, order["id"])
    acme_po, bolt_po = create_purchase_orders(
        uow_factory, queue, shop, order["id"], actor=STAFF, send=send
    )
    if not send:
        for po in (acme_po, bolt_po):
            mark_purchase_order_sent(uow_factory, queue, shop, po.id, actor=STAFF)
    return {"shop": shop, "order": order, "acme_po": acme_po.id, "bolt_po": bolt_po.id}


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px screen"


def test_a_vendor_confirms_backorders_and_ships_two_packages_from_a_phone(
    e2e, engine, worker, mail_server, phone: Page
) -> None:
    fake, live, app = e2e
    page = phone
    arranged = _arrange(fake, live, send=True)
    order_id, lines = arranged["order"]["id"], arranged["order"]["lines"]

    # Given the PO email the worker sent to Acme, with its portal link
    [email] = wait_until(lambda: mail_server.messages, what="the PO email")
    body = email.message.get_body(("plain",)).get_content()
    token = re.search(r"/portal/([A-Za-z0-9_-]{43})\b", body).group(1)
    assert "Confirm this order, report shipments and download it here" in body

    # When the vendor opens it on a phone (the worker's APP_URL is not the live app's port)
    page.goto(f"{live.url}/portal/{token}")
    expect(page.locator("h1")).to_have_text("Purchase order 1042-1")
    expect(page.locator("#lines")).to_contain_text("Desk Lamp")
    expect(page.locator("#lines")).not_to_contain_text("Dark Mug")
    _fits_the_screen(page)

    # ... confirms the PO
    page.get_by_role("button", name="Confirm the whole order").click()
    expect(page.locator("#done")).to_have_text("Thank you: the purchase order is confirmed.")
    expect(page.locator("#po-status")).to_have_text("Acknowledged")

    # ... backorders the bulbs
    page.locator("#answer summary").click()
    until = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    page.locator('select[name="answer"][data-sku="BULB"]').select_option("backordered")
    page.locator('input[name="expected_date"][data-sku="BULB"]').fill(until)
    page.get_by_role("button", name="Save answers").click()
    expect(page.locator("#done")).to_have_text("Thank you: your answers are saved.")
    expect(page.locator('#lines [data-line="BULB"]')).to_contain_text(f"backordered until {until}")

    # ... and enters two packages: the lamps in one, the shade in the other, no bulbs yet
    form = page.locator("#shipment-form")
    form.locator('textarea[name="tracking"]').fill(f"{UPS}\n{UPS_2}")
    form.get_by_label("Several packages").check()
    form.locator('input[name="quantity"][data-sku="BULB"]').fill("0")
    form.locator('select[name="package"][data-sku="SHADE"]').select_option("1")
    _fits_the_screen(page)
    form.get_by_role("button", name="Save shipment").click()
    expect(page.locator("#done")).to_have_text(
        "Thank you: the shipment is recorded and goes to the shop."
    )
    expect(page.locator("#shipments")).to_contain_text(f"{UPS}, {UPS_2}")
    _fits_the_screen(page)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Then Saleor has a fulfilment per package, with the vendor's numbers
    fulfilments = wait_until(
        lambda: len(fake.order(order_id).get("fulfillments", [])) == 2 and fake.order(order_id),
        what="two fulfilments in Saleor",
    )["fulfillments"]
    assert sorted(f["trackingNumber"] for f in fulfilments) == [UPS_2, UPS]
    assert fake.order(order_id)["status"] == "PARTIALLY_FULFILLED"
    # ... the merchant's widget shows the vendor's shipment and answers
    widget = open_widget(live, fake, app, order_id)[0]
    assert UPS in widget and UPS_2 in widget
    assert f"backordered until {until}" in widget
    [acme] = [
        po
        for po in list_purchase_orders(live.container.uow_factory, arranged["shop"], order_id)
        if po.id == arranged["acme_po"]
    ]
    assert acme.line_answers[lines[2]["id"]].answer is LineAnswer.BACKORDERED
    wait_until(
        lambda: any(e.action == "partially shipped" for e in _po(live, arranged).events),
        what="the PO partly shipped",
    )
    actors = {e.actor for e in _po(live, arranged).events if "vendor" in e.action}
    assert actors == {"vendor portal (ACME)"}
    wait_until(lambda: worker_idle(engine, worker), what="the worker to finish")


def _po(live: Any, arranged: dict[str, Any]):
    with live.container.uow_factory() as uow:
        return uow.purchase_orders.get(arranged["shop"], arranged["acme_po"])


def _expect_refused(page: Page) -> None:
    expect(page.locator("#refused")).to_have_text(LINK_REFUSED)
    expect(page.locator("body")).not_to_contain_text("1042")


def test_links_that_open_nothing_and_a_form_without_its_token_are_refused(
    installed, engine, phone: Page
) -> None:
    fake, live, _ = installed
    page = phone
    arranged = _arrange(fake, live, send=False)
    uow_factory, portal = live.container.uow_factory, live.container.portal

    def link(po_id: int) -> str:
        return reissue_purchase_order_link(
            uow_factory, portal, arranged["shop"], po_id, actor=STAFF
        )

    acme, bolt = link(arranged["acme_po"]), link(arranged["bolt_po"])

    # Another PO's link opens that PO only; a made-up one nothing
    page.goto(bolt)
    expect(page.locator("#lines")).to_contain_text("Dark Mug")
    expect(page.locator("#lines")).not_to_contain_text("Desk Lamp")
    page.goto(f"{live.url}/portal/{'Q' * 43}")
    _expect_refused(page)

    # A form posted without its form token (a forged cross-site post) changes nothing
    page.goto(acme)
    page.evaluate("document.querySelectorAll('input[name=form_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Confirm the whole order").click()
    expect(page.locator("#refused")).to_contain_text("This form has expired")
    assert _po(live, arranged).status is not POStatus.ACKNOWLEDGED

    # A revoked link, then an expired one, are refused
    revoke_purchase_order_link(uow_factory, arranged["shop"], arranged["acme_po"], actor=STAFF)
    page.goto(acme)
    _expect_refused(page)
    with engine.begin() as connection:
        connection.execute(
            update(tables.portal_links)
            .where(tables.portal_links.c.purchase_order_id == arranged["bolt_po"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    page.goto(bolt)
    _expect_refused(page)
