"""The product page's Vendors widget over HTTP: a real dashboard token, then signed follow-ups."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import requests

from app.domain.money import Money
from app.domain.vendors import ProductVendor, Vendor
from app.services.product_vendors import list_product_vendors, save_product_vendor
from app.services.vendors import save_vendor
from tests.builders import global_id
from tests.html import element, text
from tests.servers.fake_saleor import FakeSaleor

POLO = global_id("Product", 81)
POLO_S = global_id("ProductVariant", 811)
POLO_M = global_id("ProductVariant", 812)
MUG = global_id("Product", 82)
MUG_ONE = global_id("ProductVariant", 821)
DASHBOARD = "http://127.0.0.1:9000"


def _installation_id(live, fake):
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(fake.api_url).id


def _add_products(fake) -> None:
    fake.add_product(
        {
            "id": POLO,
            "name": "Polo",
            "variants": [
                {"id": POLO_S, "sku": "POLO-S", "name": "S"},
                {"id": POLO_M, "sku": "POLO-M", "name": "M"},
            ],
        }
    )
    fake.add_product(
        {"id": MUG, "name": "Mug", "variants": [{"id": MUG_ONE, "sku": "MUG-1", "name": ""}]}
    )


def _vendor(live, fake, name="Acme Supply", code="ACME", **changes: object) -> Vendor:
    data = {"name": name, "code": code, "currency": "USD", "emails_to": "o@vendor.test"}
    data.update(changes)
    return save_vendor(live.container.uow_factory, _installation_id(live, fake), data)


def _entry(live, fake, vendor: Vendor, product_id=POLO, **changes: object) -> ProductVendor:
    data = {"vendor_id": str(vendor.id), "product_id": product_id, "unit_cost": "10"}
    data.update(changes)
    return save_product_vendor(live.container.uow_factory, _installation_id(live, fake), data)


def _entries(live, fake, product_id=POLO) -> list[ProductVendor]:
    options = list_product_vendors(
        live.container.uow_factory, _installation_id(live, fake), product_id
    )
    return sorted((o.product_vendor for o in options), key=lambda e: e.id)


def _defaults(live, fake, product_id=POLO) -> list[int | None]:
    return [e.id for e in _entries(live, fake, product_id) if e.is_default]


def _open(live, fake, app, product_id=POLO, **claims):
    return requests.post(
        f"{live.url}/widgets/product",
        data={
            "saleorApiUrl": fake.api_url,
            "accessToken": fake.issue_dashboard_token(app, **claims),
            "appId": app.app_id,
            "productId": product_id,
        },
        timeout=5,
    )


def _context(page: str) -> str:
    return re.search(r'name="context" value="([^"]+)"', page).group(1)


def _follow(live, action, context, product_id=POLO, **form: str):
    data = {"context": context, "productId": product_id, "dashboardOrigin": DASHBOARD, **form}
    return requests.post(f"{live.url}/widgets/product/{action}", data=data, timeout=5)


@pytest.fixture
def shop(installed):
    """(fake, live, app, context, vendor) with two products in Saleor and one vendor."""
    fake, live, app = installed
    _add_products(fake)
    vendor = _vendor(live, fake)
    return fake, live, app, _context(_open(live, fake, app).text), vendor


def _form(vendor: Vendor, **changes: str) -> dict[str, str]:
    form = {
        "vendor_id": str(vendor.id),
        "variant_id": "",
        "unit_cost": "12.5",
        "vendor_sku": "AC-POLO",
        "priority": "20",
        "min_quantity": "2",
    }
    form.update(changes)
    return form


def test_widget_lists_the_product_vendors(shop):
    fake, live, app, context, acme = shop
    beta = _vendor(live, fake, "Beta Goods", "BETA", currency="EUR")
    wide = _entry(live, fake, acme, unit_cost="12.5", vendor_sku="AC-1")
    variant = _entry(live, fake, beta, variant_id=POLO_M, unit_cost="9", priority="5")

    response = _open(live, fake, app)

    assert response.status_code == 200
    page = response.text
    assert text(page, f"entry-{wide.id}-head") == "Acme Supply Default"
    assert text(page, f"entry-{wide.id}-facts") == (
        "Applies to All variants Unit cost 12.50 USD Vendor SKU AC-1 Priority 100 Min. quantity 1"
    )
    assert text(page, f"entry-{variant.id}-head") == "Beta Goods"
    assert text(page, f"entry-{variant.id}-facts") == (
        "Applies to Variant POLO-M Unit cost 9.00 EUR Vendor SKU — Priority 5 Min. quantity 1"
    )
    assert page.index(f'id="entry-{wide.id}"') < page.index(f'id="entry-{variant.id}"')
    scopes = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert ("", "All variants") in scopes
    assert (POLO_S, "Variant POLO-S · S") in scopes
    assert (POLO_M, "Variant POLO-M · M") in scopes
    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors {fake.api_url.removesuffix('/graphql/')}"
    )


def test_widget_without_vendors_says_where_to_add_them(installed):
    fake, live, app = installed
    _add_products(fake)

    response = _open(live, fake, app)

    assert response.status_code == 200
    assert text(response.text, "no-vendors") == (
        "Your shop has no vendors yet. Add them on the Drop-ship page under Orders, "
        "then reload this product."
    )
    assert text(response.text, "no-product-vendors") == "No vendor drop-ships this product yet."
    assert "add-vendor" not in response.text


def test_inactive_vendors_are_not_offered(shop):
    fake, live, app, context, acme = shop
    dormant = _vendor(live, fake, "Dormant", "DORM", active=False)

    response = _open(live, fake, app)

    vendor_options = re.findall(r'<option value="(\d+)"', response.text)
    assert vendor_options == [str(acme.id)]
    assert str(dormant.id) not in vendor_options


def test_add_first_vendor_becomes_the_default(shop):
    fake, live, app, context, acme = shop

    response = _follow(live, "save", context, **_form(acme))

    assert response.status_code == 200
    assert text(response.text, "notice") == "Vendor saved."
    [entry] = _entries(live, fake)
    assert entry == ProductVendor(
        id=entry.id,
        vendor_id=acme.id,
        product_id=POLO,
        variant_id=None,
        unit_cost=Money(Decimal("12.5"), "USD"),
        vendor_sku="AC-POLO",
        priority=20,
        min_quantity=2,
        is_default=True,
    )
    assert text(response.text, f"entry-{entry.id}-head") == "Acme Supply Default"


def test_new_default_replaces_the_old_one(shop):
    fake, live, app, context, acme = shop
    first = _entry(live, fake, acme)
    beta = _vendor(live, fake, "Beta Goods", "BETA")

    response = _follow(live, "save", context, **_form(beta), is_default="1")

    assert response.status_code == 200
    second = next(e for e in _entries(live, fake) if e.id != first.id)
    assert _defaults(live, fake) == [second.id]
    assert text(response.text, f"entry-{first.id}-head") == "Acme Supply"


def test_second_vendor_without_the_box_keeps_the_default(shop):
    fake, live, app, context, acme = shop
    first = _entry(live, fake, acme)

    response = _follow(live, "save", context, **_form(_vendor(live, fake, "Beta Goods", "BETA")))

    assert response.status_code == 200
    assert len(_entries(live, fake)) == 2
    assert _defaults(live, fake) == [first.id]


def test_vendor_for_one_variant(shop):
    fake, live, app, context, acme = shop

    response = _follow(live, "save", context, **_form(acme, variant_id=POLO_M))

    [entry] = _entries(live, fake)
    assert entry.variant_id == POLO_M
    assert text(response.text, f"entry-{entry.id}-facts").startswith("Applies to Variant POLO-M ")


def test_variant_of_another_product_is_refused(shop):
    fake, live, app, context, acme = shop

    response = _follow(live, "save", context, **_form(acme, variant_id=MUG_ONE))

    assert response.status_code == 400
    assert text(response.text, "new-variant_id-error") == (
        "Choose All variants or one of this product's variants."
    )
    assert _entries(live, fake) == []
    assert _entries(live, fake, MUG) == []


def test_invalid_entry_keeps_the_input(shop):
    fake, live, app, context, acme = shop

    response = _follow(
        live, "save", context, **_form(acme, unit_cost="cheap", priority="0", vendor_sku="X-9")
    )

    assert response.status_code == 400
    page = response.text
    assert text(page, "new-unit_cost-error") == "Enter the unit cost, such as 12.50."
    assert text(page, "new-priority-error") == "Use a whole number from 1 to 1000."
    assert element(page, "new-unit_cost")["value"] == "cheap"
    assert element(page, "new-vendor_sku")["value"] == "X-9"
    assert element(page, "add-vendor").get("open") == ""
    assert _entries(live, fake) == []


def test_same_vendor_twice_is_refused(shop):
    fake, live, app, context, acme = shop
    existing = _entry(live, fake, acme)

    response = _follow(live, "save", context, **_form(acme))

    assert response.status_code == 400
    assert text(response.text, "new-vendor_id-error") == (
        "Acme Supply is already listed for this product."
    )
    assert _entries(live, fake) == [existing]


def test_edit_keeps_the_default(shop):
    fake, live, app, context, acme = shop
    entry = _entry(live, fake, acme)

    response = _follow(
        live, "save", context, entryId=str(entry.id), **_form(acme, unit_cost="11.75")
    )

    assert response.status_code == 200
    [saved] = _entries(live, fake)
    assert (saved.id, saved.unit_cost, saved.priority, saved.is_default) == (
        entry.id,
        Money(Decimal("11.75"), "USD"),
        20,
        True,
    )
    assert element(response.text, f"entry-{entry.id}-unit_cost")["value"] == "11.75"


def test_make_default(shop):
    fake, live, app, context, acme = shop
    first = _entry(live, fake, acme)
    second = _entry(live, fake, _vendor(live, fake, "Beta Goods", "BETA"), unit_cost="8")

    response = _follow(live, "default", context, entryId=str(second.id))

    assert response.status_code == 200
    assert text(response.text, "notice") == "Beta Goods is now the default vendor."
    assert _defaults(live, fake) == [second.id]
    assert [e.unit_cost for e in _entries(live, fake)] == [
        Money(Decimal("10"), "USD"),
        Money(Decimal("8"), "USD"),
    ]
    assert text(response.text, f"entry-{first.id}-head") == "Acme Supply"


def test_remove_the_default_promotes_the_next_one(shop):
    fake, live, app, context, acme = shop
    first = _entry(live, fake, acme)
    second = _entry(live, fake, _vendor(live, fake, "Beta Goods", "BETA"))

    response = _follow(live, "remove", context, entryId=str(first.id))

    assert response.status_code == 200
    assert text(response.text, "notice") == "Acme Supply was removed from this product."
    assert [e.id for e in _entries(live, fake)] == [second.id]
    assert _defaults(live, fake) == [second.id]


def test_entry_of_another_product_cannot_be_changed(shop):
    fake, live, app, context, acme = shop
    mug_entry = _entry(live, fake, acme, product_id=MUG)

    removed = _follow(live, "remove", context, entryId=str(mug_entry.id))
    edited = _follow(live, "save", context, entryId=str(mug_entry.id), **_form(acme))

    assert [removed.status_code, edited.status_code] == [404, 404]
    assert _entries(live, fake, MUG) == [mug_entry]
    assert _entries(live, fake) == []


def test_vendor_of_another_shop_cannot_be_used(shop):
    fake, live, app, context, acme = shop
    with FakeSaleor() as other:
        other.install_app(live.manifest_url)
        theirs = _vendor(live, other, "Their Vendor", "THEIRS")
        their_entry = _entry(live, other, theirs)

        used = _follow(live, "save", context, **_form(theirs))
        removed = _follow(live, "remove", context, entryId=str(their_entry.id))
        defaulted = _follow(live, "default", context, entryId=str(their_entry.id))

        assert _entries(live, other) == [their_entry]
    assert used.status_code == 400
    assert text(used.text, "new-vendor_id-error") == "Choose one of your vendors."
    assert [removed.status_code, defaulted.status_code] == [404, 404]
    assert _entries(live, fake) == []


def test_follow_ups_need_manage_products(shop):
    fake, live, app, context, acme = shop
    token = fake.issue_dashboard_token(app, user_permissions=["MANAGE_ORDERS"])
    orders_only = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    ).json()["context"]

    response = _follow(live, "save", orders_only, **_form(acme))

    assert response.status_code == 403
    assert "You need the MANAGE_PRODUCTS permission for this action." in response.text
    assert _entries(live, fake) == []


def test_widget_needs_manage_products(shop):
    fake, live, app, context, acme = shop

    response = _open(live, fake, app, user_permissions=["MANAGE_ORDERS"])

    assert response.status_code == 403
    assert "user-email" not in response.text


@pytest.mark.parametrize(
    ("posted", "kept"),
    [
        pytest.param(DASHBOARD, DASHBOARD, id="origin_case"),
        pytest.param('https://x.test/"><script>', "", id="not_an_origin_case"),
    ],
)
def test_follow_ups_carry_the_dashboard_origin(shop, posted, kept):
    fake, live, app, context, acme = shop

    response = _follow(live, "save", context, **_form(acme), dashboardOrigin=posted)

    page = response.text
    assert re.search(r'data-dashboard-origin="([^"]*)"', page).group(1) == kept
    assert set(re.findall(r'name="dashboardOrigin" value="([^"]*)"', page)) == {kept}


def test_product_missing_in_saleor_still_lists_vendors(shop):
    fake, live, app, context, acme = shop
    gone = global_id("Product", 99)
    entry = _entry(live, fake, acme, product_id=gone, variant_id=global_id("ProductVariant", 991))

    response = _open(live, fake, app, product_id=gone)

    assert response.status_code == 200
    assert "product-unavailable" in response.text
    assert text(response.text, f"entry-{entry.id}-head") == "Acme Supply Default"
