"""The vendor portal over HTTP with the live app: a PO's page behind its link, the vendor's
answers and shipments going through the merchant's services, and every way a link is refused.

The shop is the order widget's shipping arrangement (order 1042: PO 1042-1 to Acme with a shirt
x3 and a cap x2, PO 1042-2 to Bolt with a mug); links are issued as the widget's Re-issue does.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import update

from app.adapters.db import tables
from app.domain.purchase_orders import POStatus
from app.domain.shipments import ShipmentSource
from app.domain.vendor_answers import LineAnswer
from app.services import tasks
from app.services.purchase_orders import list_purchase_orders
from app.services.vendor_portal import (
    LINK_REFUSED,
    issue_vendor_account_link,
    reissue_purchase_order_link,
    revoke_purchase_order_link,
)
from tests.integration.web.test_order_shipping import (
    STAFF,
    UPS,
    UPS_2,
    Shop,
    _arrange,
    open_widget,
    queued,
    shipments,
    words,
)

REFUSED_TEXT = LINK_REFUSED.replace("'", "&#39;")


@pytest.fixture
def shop(installed) -> Shop:
    return _arrange(*installed)


def po_link(shop: Shop, po_id: int) -> str:
    return reissue_purchase_order_link(
        shop.uow_factory, shop.live.container.portal, shop.installation_id, po_id, actor=STAFF
    )


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=30, allow_redirects=False, **kwargs)


def form_token(page: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', page)
    assert match, "no form token on the page"
    return html.unescape(match.group(1))


def post(url: str, path: str, data: list[tuple[str, str]], *, token: bool = True, **kwargs):
    """A form of the portal page as the browser sends it (with the page's form token)."""
    fields = [("form_token", form_token(get(url).text))] if token else []
    return requests.post(
        f"{url}{path}", data=fields + data, timeout=30, allow_redirects=False, **kwargs
    )


def stored_po(shop: Shop, po_id: int):
    with shop.uow_factory() as uow:
        return uow.purchase_orders.get(shop.installation_id, po_id)


def ship(url: str, tracking: str, quantities: dict[str, int], packages=None, carrier=""):
    data = [("tracking", tracking), ("carrier", carrier)]
    for line_id, quantity in quantities.items():
        data += [("line_id", line_id), ("quantity", str(quantity))]
        data.append(("package", str((packages or {}).get(line_id, 0))))
    if packages:
        data.append(("per_package", "1"))
    return post(url, "/shipments", data)


# --- the page -------------------------------------------------------------------------------


def test_the_link_opens_its_po_with_lines_ship_to_and_forms_on_a_phone_friendly_page(shop):
    url = po_link(shop, shop.acme_po)

    answer = get(url)

    assert answer.status_code == 200
    text = words(answer.text)
    assert "Purchase order 1042-1" in text
    assert "Polygon Shirt · M" in text and "Sun Cap · M" in text
    assert "Ordered 3 · shipped 0 · left 3" in text
    assert "Dark Mug" not in text  # Bolt's line is on the other PO
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in answer.text
    assert "<script" not in answer.text
    for action in ("/confirm", "/answer", "/shipments"):
        assert f'action="{url.removeprefix(shop.live.url)}{action}"' in answer.text
    assert answer.text.count('name="form_token"') == 3  # confirm, answer lines, shipment
    assert re.search(r"Ship to</h2>\s*<address", answer.text)


def test_every_portal_answer_sends_strict_security_headers(shop):
    url = po_link(shop, shop.acme_po)

    for response in (get(url), get(f"{shop.live.url}/portal/{'x' * 43}"), get(f"{url}/po.pdf")):
        headers = response.headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert len(response.raw.headers.getlist("Content-Security-Policy")) == 1


# --- answers --------------------------------------------------------------------------------


def test_confirming_acknowledges_the_po_as_the_vendor_and_notes_it(shop):
    url = po_link(shop, shop.acme_po)

    answer = post(url, "/confirm", [])

    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("?done=confirmed")
    po = stored_po(shop, shop.acme_po)
    assert po.status is POStatus.ACKNOWLEDGED
    assert {a.answer for a in po.line_answers.values()} == {LineAnswer.CONFIRMED}
    [event] = [e for e in po.events if e.action == "acknowledged by vendor"]
    assert event.actor == "vendor portal (ACME)"
    page = get(answer.headers["Location"] if "://" in answer.headers["Location"] else url)
    assert "Acknowledged" in page.text


def test_a_line_backordered_and_another_cancelled_are_kept_and_shown_in_the_widget(shop):
    url = po_link(shop, shop.acme_po)
    until = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    data = [
        ("line_id", shop.shirt), ("answer", "backordered"), ("expected_date", until),
        ("reason", ""),
        ("line_id", shop.cap), ("answer", "cancelled"), ("expected_date", ""),
        ("reason", "discontinued"),
    ]  # fmt: skip

    answer = post(url, "/answer", data)

    assert answer.status_code == 303
    po = stored_po(shop, shop.acme_po)
    assert po.line_answers[shop.shirt].answer is LineAnswer.BACKORDERED
    assert po.line_answers[shop.shirt].expected_date == date.fromisoformat(until)
    assert po.line_answers[shop.cap].reason == "discontinued"
    widget = words(open_widget(shop))
    assert f"backordered until {until}" in widget
    assert "cancelled by vendor: discontinued" in widget
    assert "Vendor link (until" in widget


def test_a_backorder_without_a_date_is_refused_with_the_page_again_and_nothing_stored(shop):
    url = po_link(shop, shop.acme_po)
    data = [("line_id", shop.shirt), ("answer", "backordered"), ("expected_date", "")]
    data += [("reason", "")]

    answer = post(url, "/answer", data)

    assert answer.status_code == 400
    assert "Enter the date the vendor expects to ship" in answer.text
    po = stored_po(shop, shop.acme_po)
    assert po.status is POStatus.SENT and po.line_answers == {}


# --- shipments ------------------------------------------------------------------------------


def test_two_packages_with_quantities_per_line_become_one_vendor_shipment(shop):
    url = po_link(shop, shop.acme_po)

    answer = ship(
        url, f"{UPS}\n{UPS_2}", {shop.shirt: 3, shop.cap: 1}, {shop.shirt: 0, shop.cap: 1}
    )

    assert answer.status_code == 303
    [shipment] = shipments(shop)
    assert shipment.source is ShipmentSource.VENDOR
    assert shipment.created_by == "vendor portal (ACME)"
    assert shipment.tracking_numbers == (UPS, UPS_2)
    assert shipment.split_by_package
    assert shipment.quantities() == {shop.shirt: 3, shop.cap: 1}
    assert shipment.carrier is not None and shipment.carrier.name == "UPS"
    assert queued(shop, tasks.WRITE_FULFILMENT) == [
        {"installation_id": shop.installation_id, "shipment_id": shipment.id}
    ]
    [event] = [e for e in stored_po(shop, shop.acme_po).events if e.action == "shipment entered"]
    assert event.actor == "vendor portal (ACME)"
    assert event.detail == f"3 x SHIRT-M, 1 x CAP-1; tracking {UPS}, {UPS_2} (UPS)"


def test_a_partial_shipment_then_the_rest_on_another_visit(shop):
    url = po_link(shop, shop.acme_po)

    ship(url, UPS, {shop.shirt: 1, shop.cap: 0})
    between = words(get(url).text)
    ship(url, UPS_2, {shop.shirt: 2, shop.cap: 2})

    assert "Ordered 3 · shipped 1 · left 2" in between
    assert [s.quantities() for s in shipments(shop)] == [
        {shop.shirt: 1},
        {shop.shirt: 2, shop.cap: 2},
    ]
    after = get(url).text
    assert "Enter a shipment" not in after  # nothing left to ship
    assert UPS in after and UPS_2 in after


def test_more_than_is_left_is_refused_and_nothing_is_stored(shop):
    url = po_link(shop, shop.acme_po)

    answer = ship(url, UPS, {shop.shirt: 4, shop.cap: 0})

    assert answer.status_code in (400, 422)
    assert 'id="error"' in answer.text
    assert shipments(shop) == []


def test_the_po_downloads_as_pdf(shop):
    url = po_link(shop, shop.acme_po)

    answer = get(f"{url}/po.pdf")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert "attachment" in answer.headers["Content-Disposition"]


# --- refusals -------------------------------------------------------------------------------


def _refused(answer: requests.Response) -> None:
    assert answer.status_code == 404
    assert REFUSED_TEXT in answer.text
    assert "1042" not in answer.text


def test_a_link_opens_only_its_own_po(shop):
    acme_url = po_link(shop, shop.acme_po)
    bolt_url = po_link(shop, shop.bolt_po)
    vendor_url = issue_vendor_account_link(
        shop.uow_factory, shop.live.container.portal, shop.installation_id, stored_po(
            shop, shop.acme_po).vendor_id,
    )  # fmt: skip
    acme_token = acme_url.rsplit("/", 1)[1]

    assert "Dark Mug" in get(bolt_url).text
    assert "Dark Mug" not in get(acme_url).text
    _refused(get(f"{shop.live.url}/portal/v/{acme_token}"))  # a PO link is not a vendor link
    _refused(get(f"{shop.live.url}/portal/{vendor_url.rsplit('/', 1)[1]}"))  # nor the reverse
    _refused(get(f"{vendor_url}/po/{shop.bolt_po}"))  # Bolt's PO under Acme's account link
    _refused(get(f"{vendor_url}/po/{shop.bolt_po + 1000}"))  # no such PO (or another shop's)
    _refused(get(f"{shop.live.url}/portal/{acme_token[:-1]}B"))
    _refused(get(f"{shop.live.url}/portal/not-a-token"))
    assert "PO 1042-1" in words(get(vendor_url).text)
    assert "PO 1042-2" not in words(get(vendor_url).text)


def test_a_revoked_link_is_refused_and_a_reissued_one_replaces_it(shop):
    old = po_link(shop, shop.acme_po)
    new = po_link(shop, shop.acme_po)  # re-issue revokes the previous link

    _refused(get(old))
    assert get(new).status_code == 200
    revoke_purchase_order_link(shop.uow_factory, shop.installation_id, shop.acme_po, actor=STAFF)
    _refused(get(new))
    _refused(requests.post(f"{new}/confirm", data={}, timeout=30))
    actions = [(e.actor, e.action) for e in stored_po(shop, shop.acme_po).events]
    assert (STAFF, "vendor link revoked") in actions


def test_an_expired_link_is_refused(shop, engine):
    url = po_link(shop, shop.acme_po)
    with engine.begin() as connection:
        connection.execute(
            update(tables.portal_links).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    _refused(get(url))
    assert stored_po(shop, shop.acme_po).status is POStatus.SENT


def test_a_link_of_a_shop_that_uninstalled_the_app_is_refused(shop, engine):
    url = po_link(shop, shop.acme_po)
    with engine.begin() as connection:
        connection.execute(update(tables.installations).values(status="removed"))

    _refused(get(url))


def test_a_post_without_the_form_token_or_from_another_site_is_refused(shop):
    url = po_link(shop, shop.acme_po)
    other = po_link(shop, shop.bolt_po)

    missing = post(url, "/confirm", [], token=False)
    forged = post(url, "/confirm", [("form_token", "x")], token=False)
    borrowed = requests.post(
        f"{url}/confirm", data={"form_token": form_token(get(other).text)}, timeout=30
    )
    cross_site = post(url, "/confirm", [], headers={"Origin": "https://evil.example"})

    for answer in (missing, forged, borrowed, cross_site):
        assert answer.status_code == 403
    assert stored_po(shop, shop.acme_po).status is POStatus.SENT


def test_too_many_requests_for_one_link_are_refused_with_429(shop):
    shop.live.container.portal = replace(shop.live.container.portal, requests_per_token=3)
    url = po_link(shop, shop.acme_po)
    other = po_link(shop, shop.bolt_po)

    statuses = [get(url).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert get(other).status_code == 200  # another link has its own count


def test_too_many_requests_from_one_address_are_refused_with_429(shop):
    shop.live.container.portal = replace(shop.live.container.portal, requests_per_address=2)
    unknown = f"{shop.live.url}/portal/{'A' * 43}"

    statuses = [get(unknown).status_code for _ in range(3)]

    assert statuses == [404, 404, 429]  # guessing links from one address is slowed down


def test_the_token_never_reaches_the_log(shop, caplog):
    url = po_link(shop, shop.acme_po)
    token = url.rsplit("/", 1)[1]
    caplog.set_level(logging.DEBUG)

    get(url)
    nonsense = [("line_id", shop.shirt), ("answer", "nonsense")]
    post(url, "/answer", [*nonsense, ("expected_date", ""), ("reason", "")])
    revoke_purchase_order_link(shop.uow_factory, shop.installation_id, shop.acme_po, actor=STAFF)
    get(url)

    assert "/portal/" in caplog.text
    assert token not in caplog.text


def test_the_merchant_reissues_and_revokes_from_the_widget(shop):
    page = open_widget(shop)
    assert "Vendor link: none" in words(page)
    from tests.integration.web.test_order_shipping import post as widget_post

    issued = widget_post(
        shop, page, f"/widgets/order/purchase-orders/{shop.acme_po}/vendor-link", []
    )

    assert issued.status_code == 200
    url = re.search(r'class="ow-vendor-link-url" value="([^"]+)"', issued.text).group(1)
    assert url.startswith(f"{shop.live.url}/portal/")
    assert get(url).status_code == 200
    revoked = widget_post(
        shop, issued.text, f"/widgets/order/purchase-orders/{shop.acme_po}/vendor-link/revoke", []
    )
    assert revoked.status_code == 200
    _refused(get(url))
    pos = list_purchase_orders(shop.uow_factory, shop.installation_id, shop.order_id)
    assert [e.action for e in pos[0].events][-2:] == ["vendor link issued", "vendor link revoked"]


def test_a_po_cancelled_by_the_merchant_says_so_and_its_cancellation_is_confirmed(shop):
    url = po_link(shop, shop.acme_po)
    with shop.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(shop.installation_id, shop.acme_po)
        po.request_cancellation(actor=STAFF, at=datetime.now(UTC), reason="order cancelled")
        uow.purchase_orders.save(shop.installation_id, po)
        uow.commit()

    page = get(url).text
    answer = post(url, "/cancellation", [])

    assert "Cancelled by the merchant" in page and "Please do not ship" in page
    assert "Enter a shipment" not in page and "Confirm the whole order" not in page
    assert answer.status_code == 303
    po = stored_po(shop, shop.acme_po)
    assert po.status is POStatus.CANCELLED
    assert po.events[-1].actor == "vendor portal (ACME)"
    assert "Cancelled by the merchant" not in get(url).text
