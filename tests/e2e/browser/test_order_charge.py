"""The charge flow in Chromium: the widget (POSTed into the fake Dashboard's 330 px iframe)
loads its payment panel, the merchant clicks "Charge $25.00", the panel polls until the payment
app's answer lands and shows it; without a gateway, its Apps link asks the dashboard to go there
(AppBridge redirect)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

from app.services.orders import refresh_order
from tests.builders import make_line, make_order
from tests.servers.fake_saleor.transactions import PaymentBehaviour

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

pytestmark = pytest.mark.browser

WIDTH = 330


def _order(fake: Any, live: Any, number: str) -> str:
    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    order = make_order(number=number, lines=[make_line(quantity=1, price=25.0)])
    fake.add_order(order)
    refresh_order(live.container.uow_factory, live.container.saleor, installation, order["id"])
    return str(order["id"])


def _open(fake: Any, app: Any, dashboard: DashboardHarness, order_id: str) -> Any:
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    return dashboard.open_extension(
        fake, app, "ORDER_DETAILS_WIDGETS", token, {"orderId": order_id}, width=str(WIDTH)
    )


def test_merchant_charges_the_order_and_sees_it_approved(
    installed, dashboard: DashboardHarness, page: Page
) -> None:
    fake, live, app = installed
    order_id = _order(fake, live, "3001")
    transaction = fake.add_transaction(order_id, PaymentBehaviour.approve(delay=2.0))
    page.set_viewport_size({"width": 800, "height": 1200})

    widget = _open(fake, app, dashboard, order_id)

    # The panel loads by itself with the amount authorised and not yet charged
    button = widget.locator("#charge-button")
    expect(button).to_have_text("Charge $25.00")
    button.click()
    # The request is answered at once; the panel shows it pending, then the result
    expect(widget.locator("#outcome")).to_contain_text("Charge requested")
    expect(widget.locator("#charge-approved")).to_contain_text("Charged $25.00", timeout=15000)
    expect(widget.locator("#charge-paid")).to_have_text("Paid")
    expect(widget.locator("#charge-button")).to_have_count(0)
    # and the dashboard was told when the result landed, to read the order again
    page.wait_for_function("window.receivedActions.some(a => a.type === 'refreshEntity')")
    notes = page.evaluate("window.receivedActions.filter(a => a.type === 'notification')")
    assert [n["payload"]["title"] for n in notes] == ["Charged"]
    assert len(fake.transaction_events(transaction, "CHARGE_REQUEST")) == 1
    frame = page.frame(name="app-frame")
    assert frame is not None
    widths = frame.evaluate(
        "({client: document.documentElement.clientWidth,"
        " scroll: document.documentElement.scrollWidth})"
    )
    assert widths["scroll"] <= widths["client"] == WIDTH


def test_without_a_gateway_the_apps_link_asks_the_dashboard_to_go_there(
    installed, dashboard: DashboardHarness, page: Page
) -> None:
    fake, live, app = installed
    order_id = _order(fake, live, "3002")

    widget = _open(fake, app, dashboard, order_id)

    notice = widget.locator("#charge-no-gateway")
    expect(notice).to_contain_text("No payment gateway is set up for this order's channel")
    notice.locator("#apps-link").click()
    page.wait_for_function("window.receivedActions.some(a => a.type === 'redirect')")
    [redirect] = page.evaluate("window.receivedActions.filter(a => a.type === 'redirect')")
    assert redirect["payload"]["to"] == "/apps/"
