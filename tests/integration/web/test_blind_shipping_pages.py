"""Blind drop-shipping over HTTP: the Settings page's packing slip section (logo upload checked
by its bytes, return address, message, holidays), the vendor form's documents and shipping
options, and the order widget's packing slip download and shipping cost."""

from __future__ import annotations

import io

import pytest
import requests
from pypdf import PdfReader
from sqlalchemy import select

from app.adapters.db import tables
from app.services.packing_slip_settings import get_packing_slip_settings
from app.services.vendors import get_vendor
from tests.code128 import bars_in_pdf, decode_code128_bars
from tests.integration.test_documents import PNG
from tests.integration.web.test_order_widget import _created, act, banner, pos
from tests.integration.web.test_order_widget import shop as shop
from tests.integration.web.test_settings_page import staff as staff
from tests.unit.domain.test_vendor_shipping import _jpeg


def _post_slip_settings(live, context, files=None, **fields: str):
    form = {"return_address": "", "slip_message_template": "", "holidays": "", **fields}
    return requests.post(
        f"{live.url}/app/settings/packing-slip",
        headers={"X-Dashboard-Context": context},
        data=form,
        files=files,
        timeout=10,
    )


def test_the_packing_slip_section_saves_the_logo_address_message_and_holidays(staff):
    live, context, installation_id = staff

    answer = _post_slip_settings(
        live,
        context,
        files={"logo": ("logo.jpg", _jpeg(640, 200), "image/jpeg")},
        return_address="Polygon Returns\r\n9 Dock Road\r\n",
        slip_message_template="Thanks, {{ customer.first_name }}!",
        holidays="2026-12-25\r\n2026-12-24",
    )

    assert answer.status_code == 200, answer.text
    assert "Packing slip settings saved." in answer.text
    assert "A logo is stored (640 x 200 pixels)." in answer.text
    stored = get_packing_slip_settings(live.container.uow_factory, installation_id)
    assert stored.logo is not None and stored.logo.content_type == "image/jpeg"
    assert stored.settings.return_address == "Polygon Returns\n9 Dock Road"
    assert stored.settings.holidays == "2026-12-24\n2026-12-25"
    assert stored.settings.slip_message_template == "Thanks, {{ customer.first_name }}!"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        pytest.param(
            ("logo.png", b"<svg onload=alert(1)>", "image/png"), "must be a PNG or JPEG",
            id="svg_named_png_case",
        ),
        pytest.param(
            ("logo.png", PNG + b"\0" * (512 * 1024), "image/png"), "over 512 KB",
            id="too_large_case",
        ),
    ],
)  # fmt: skip
def test_a_hostile_logo_is_refused_and_nothing_is_stored(staff, upload, message):
    live, context, installation_id = staff

    answer = _post_slip_settings(live, context, files={"logo": upload}, return_address="Kept?")

    assert answer.status_code == 400
    assert message in answer.text
    stored = get_packing_slip_settings(live.container.uow_factory, installation_id)
    assert stored.logo is None and stored.settings.return_address == ""


def test_a_broken_message_template_or_a_bad_holiday_is_shown_next_to_its_field(staff):
    live, context, installation_id = staff

    answer = _post_slip_settings(
        live, context, slip_message_template="{% for %}", holidays="25/12/2026"
    )

    assert answer.status_code == 400
    assert "Not a date as YYYY-MM-DD: 25/12/2026." in answer.text
    stored = get_packing_slip_settings(live.container.uow_factory, installation_id)
    assert stored.settings.slip_message_template == ""
    answer = _post_slip_settings(live, context, slip_message_template="{% for %}")
    assert answer.status_code == 400
    assert "packing slip message template has an error on line 1" in answer.text


def test_the_vendor_form_stores_documents_and_shipping_with_the_accounts_encrypted(shop):
    live = shop.live
    token = shop.fake.issue_dashboard_token(shop.app)
    session = requests.post(
        f"{live.url}/app/session",
        json={"token": token, "saleorApiUrl": shop.fake.api_url},
        timeout=5,
    )
    headers = {"X-Dashboard-Context": session.json()["context"]}
    form = {
        "name": "Acme", "code": "ACME", "currency": "USD", "integration": "email",
        "emails_to": "orders@acme.test", "file_format": "both", "lead_time_days": "2",
        "active": "on", "documents": "slip", "show_prices": "0",
        "file_name_pattern": "ACME_{po}_{document}",
        "service_map": "Express = UPS 01\r\n", "carrier_accounts": "UPS = 1234X5",
    }  # fmt: skip

    answer = requests.post(
        f"{live.url}/app/vendors/{shop.acme}", headers=headers, data=form, timeout=10
    )

    assert answer.status_code == 200, answer.text
    vendor = get_vendor(live.container.uow_factory, shop.installation_id, shop.acme)
    assert vendor.shipping.documents.value == "slip" and not vendor.shipping.show_prices
    assert vendor.shipping.file_name_pattern == "ACME_{po}_{document}"
    assert [(m.shop_method, m.carrier, m.service_code) for m in vendor.shipping.service_map] == [
        ("Express", "UPS", "01")
    ]
    with live.container.engine.connect() as connection:
        stored = connection.execute(
            select(tables.vendors.c.carrier_accounts_encrypted).where(
                tables.vendors.c.id == shop.acme
            )
        ).scalar_one()
    assert stored and "1234X5" not in stored
    assert vendor.shipping.carrier_accounts[0].account_number == "1234X5"


def test_the_widget_downloads_the_packing_slip_with_its_barcode(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]

    answer = act(shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/file/slip")

    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="PackingSlip-1042-1.pdf"'
    )
    assert decode_code128_bars(bars_in_pdf(answer.content)) == "1042-1"
    text = " ".join(PdfReader(io.BytesIO(answer.content)).pages[0].extract_text().split())
    assert "Polygon Shirt" in text and "12.50" not in text and "Acme" not in text


def test_the_widget_records_the_vendors_shipping_cost(shop):
    page = _created(shop)
    acme_po = pos(shop)[0]

    answer = act(
        shop, page, f"/widgets/order/purchase-orders/{acme_po.id}/shipping-cost",
        shipping_cost="7.5",
    )  # fmt: skip

    assert banner(answer.text) == "Shipping cost saved PO 1042-1: shipping cost 7.50 USD."
    stored = pos(shop)[0]
    assert str(stored.shipping_cost) == "7.50 USD"
    assert stored.events[-1].action == "shipping cost"
    refused = act(
        shop, answer.text, f"/widgets/order/purchase-orders/{acme_po.id}/shipping-cost",
        shipping_cost="-1",
    )  # fmt: skip
    assert refused.status_code == 400
    assert (
        banner(refused.text)
        == "Nothing was changed Enter the shipping cost as an amount, such as 7.50."
    )
    assert str(pos(shop)[0].shipping_cost) == "7.50 USD"
