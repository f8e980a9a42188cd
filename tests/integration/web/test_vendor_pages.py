"""The app page's Vendors tab over HTTP, signed in with real dashboard tokens of the fake Saleor."""

from __future__ import annotations

import html
import re

import pytest
import requests

from app.domain.vendors import FileFormat, IntegrationKind, Vendor
from app.services.product_vendors import list_product_vendors
from app.services.vendors import list_vendors, save_vendor
from tests.builders import global_id
from tests.html import element, text
from tests.servers.fake_saleor import FakeSaleor


def _installation_id(live, fake):
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(fake.api_url).id


def _context(fake, live, app, **token_claims) -> str:
    token = fake.issue_dashboard_token(app, **token_claims)
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    assert session.status_code == 200
    return session.json()["context"]


def _get(live, context, path):
    return requests.get(f"{live.url}{path}", headers={"X-Dashboard-Context": context}, timeout=5)


def _post(live, context, path, data=None, files=None):
    return requests.post(
        f"{live.url}{path}",
        headers={"X-Dashboard-Context": context},
        data=data or {},
        files=files,
        timeout=10,
    )


def _vendors(live, fake) -> list[Vendor]:
    return list_vendors(live.container.uow_factory, _installation_id(live, fake))


def _vendor_form(**changes: str) -> dict[str, str]:
    form = {
        "name": "Acme Supply",
        "code": "acme",
        "currency": "usd",
        "integration": "email",
        "emails_to": "orders@acme.test; ops@acme.test",
        "emails_cc": "",
        "file_format": "both",
        "lead_time_days": "3",
        "po_notes": "Ring twice.",
        "active": "1",
    }
    form.update(changes)
    return form


def _add_vendor(live, fake, **changes: object) -> Vendor:
    data = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "emails_to": "o@acme.test"}
    data.update(changes)
    return save_vendor(live.container.uow_factory, _installation_id(live, fake), data)


@pytest.fixture
def staff(installed):
    """(fake, live, context) for a staff user with every permission."""
    fake, live, app = installed
    return fake, live, _context(fake, live, app)


def test_home_shows_the_vendor_list_with_tabs(staff):
    fake, live, context = staff
    vendor = _add_vendor(live, fake, emails_cc="boss@acme.test")

    response = _get(live, context, "/app/home")

    assert response.status_code == 200
    row = text(response.text, f"vendor-{vendor.id}")
    assert row == (
        "Acme Supply ACME Email o@acme.test cc boss@acme.test USD Active Edit Deactivate"
    )
    assert '<a data-nav href="/app/vendors" aria-current="page">Vendors</a>' in response.text
    assert '<a data-nav href="/app/settings">Settings</a>' in response.text
    assert text(response.text, "user-email") == "admin@example.com"


def test_empty_shop_says_how_to_start(staff):
    fake, live, context = staff

    response = _get(live, context, "/app/vendors")

    assert text(response.text, "no-vendors") == (
        "No vendors yet. Add one with New vendor or import a CSV below."
    )
    assert "export-vendors" not in response.text


def test_create_vendor(staff):
    fake, live, context = staff

    response = _post(live, context, "/app/vendors/new", _vendor_form())

    assert response.status_code == 200
    assert text(response.text, "notice") == "Acme Supply (ACME) was created."
    [vendor] = _vendors(live, fake)
    assert vendor == Vendor(
        id=vendor.id,
        name="Acme Supply",
        code="ACME",
        currency="USD",
        integration=IntegrationKind.EMAIL,
        emails_to=("orders@acme.test", "ops@acme.test"),
        emails_cc=(),
        file_format=FileFormat.BOTH,
        lead_time_days=3,
        po_notes="Ring twice.",
        active=True,
    )
    assert f'id="vendor-{vendor.id}"' in response.text


def test_new_vendor_form_offers_edi_and_http(staff):
    fake, live, context = staff

    response = _get(live, context, "/app/vendors/new")

    assert response.status_code == 200
    assert (
        '<option value="edi">EDI: X12 850 over SFTP (settings on the vendor&#39;s EDI page)'
        "</option>" in response.text
    )
    assert (
        '<option value="http">HTTP: signed JSON posted to the vendor&#39;s system</option>'
        in response.text
    )
    assert element(response.text, "http_timeout_seconds")["value"] == "10"
    assert text(response.text, "http-secret-hint") == (
        "Made by the app when you save an HTTP vendor."
    )
    assert element(response.text, "active").get("checked") == ""


def test_invalid_vendor_shows_each_error_and_keeps_the_input(staff):
    fake, live, context = staff
    form = _vendor_form(
        name="", currency="dollars", emails_to="orders@acme.test, nope", lead_time_days="-1"
    )

    response = _post(live, context, "/app/vendors/new", form)

    assert response.status_code == 400
    page_html = response.text
    assert text(page_html, "name-error") == "Enter the vendor's name."
    assert text(page_html, "currency-error") == "Use a 3-letter currency code such as USD."
    assert text(page_html, "emails_to-error") == "Not an email address: nope."
    assert text(page_html, "lead_time_days-error") == "Use a whole number of days from 0 to 365."
    assert "code-error" not in page_html
    assert element(page_html, "currency")["value"] == "dollars"
    assert element(page_html, "emails_to")["value"] == "orders@acme.test, nope"
    assert element(page_html, "code")["value"] == "acme"
    assert element(page_html, "currency")["aria-invalid"] == "true"
    assert _vendors(live, fake) == []


def test_http_vendor_needs_a_public_https_endpoint(staff):
    fake, live, context = staff

    response = _post(
        live,
        context,
        "/app/vendors/new",
        _vendor_form(integration="http", http_url="http://127.0.0.1:9000/po"),
    )

    assert response.status_code == 400
    assert text(response.text, "http_url-error").startswith(
        "This host is a loopback, private or link-local address"
    )
    assert element(response.text, "http_url")["value"] == "http://127.0.0.1:9000/po"
    assert _vendors(live, fake) == []


def test_http_vendor_page_shows_its_secret_and_makes_a_new_one(staff):
    fake, live, context = staff
    form = _vendor_form(integration="http", emails_to="", http_url="https://po.acme.example/in")
    created = _post(live, context, "/app/vendors/new", form)
    assert created.status_code == 200
    [vendor] = _vendors(live, fake)
    secret = vendor.http.signing_secret

    page = _get(live, context, f"/app/vendors/{vendor.id}")
    rotated = _post(live, context, f"/app/vendors/{vendor.id}/http-secret")

    assert element(page.text, "http-secret")["value"] == secret
    assert element(page.text, "http_url")["value"] == "https://po.acme.example/in"
    assert element(page.text, "http-secret").get("name") is None  # never posted back
    [after] = _vendors(live, fake)
    assert after.http.signing_secret != secret
    assert element(rotated.text, "http-secret")["value"] == after.http.signing_secret
    assert text(rotated.text, "notice").startswith("A new signing secret was made")
    saved = _post(live, context, f"/app/vendors/{vendor.id}", form | {"name": "Acme 2"})
    assert saved.status_code == 200
    assert _vendors(live, fake)[0].http.signing_secret == after.http.signing_secret


def test_duplicate_code_is_refused(staff):
    fake, live, context = staff
    first = _add_vendor(live, fake)

    response = _post(live, context, "/app/vendors/new", _vendor_form(name="Other", code="Acme"))

    assert response.status_code == 400
    assert text(response.text, "code-error") == "Acme Supply already uses the code ACME."
    assert element(response.text, "name")["value"] == "Other"
    assert _vendors(live, fake) == [first]


def test_edit_vendor(staff):
    fake, live, context = staff
    vendor = _add_vendor(live, fake)

    form_page = _get(live, context, f"/app/vendors/{vendor.id}")
    response = _post(
        live,
        context,
        f"/app/vendors/{vendor.id}",
        _vendor_form(name="Acme Wholesale", integration="manual", emails_to="", active=""),
    )

    assert element(form_page.text, "name")["value"] == "Acme Supply"
    assert element(form_page.text, "emails_to")["value"] == "o@acme.test"
    assert element(form_page.text, "vendor-form")["action"] == f"/app/vendors/{vendor.id}"
    assert response.status_code == 200
    assert text(response.text, "notice") == "Acme Wholesale (ACME) was saved."
    [saved] = _vendors(live, fake)
    assert (saved.id, saved.name, saved.integration, saved.emails_to, saved.active) == (
        vendor.id,
        "Acme Wholesale",
        IntegrationKind.MANUAL,
        (),
        False,
    )


def test_deactivate_and_reactivate(staff):
    fake, live, context = staff
    vendor = _add_vendor(live, fake)

    off = _post(live, context, f"/app/vendors/{vendor.id}/active")
    inactive = _vendors(live, fake)[0].active
    on = _post(live, context, f"/app/vendors/{vendor.id}/active", {"active": "1"})

    assert inactive is False
    assert text(off.text, "notice") == (
        "Acme Supply is inactive: new orders will not go to this vendor."
    )
    assert text(off.text, f"vendor-{vendor.id}").endswith("USD Inactive Edit Reactivate")
    assert text(on.text, "notice") == "Acme Supply is active again."
    assert _vendors(live, fake)[0].active is True


def test_vendor_of_another_shop_cannot_be_opened_or_changed(staff):
    fake, live, context = staff
    with FakeSaleor() as other:
        other_app = other.install_app(live.manifest_url)
        theirs = _add_vendor(live, other, name="Their Vendor")

        opened = _get(live, context, f"/app/vendors/{theirs.id}")
        changed = _post(live, context, f"/app/vendors/{theirs.id}", _vendor_form(name="Mine now"))
        deactivated = _post(live, context, f"/app/vendors/{theirs.id}/active")

        assert other_app.is_active
        assert _vendors(live, other) == [theirs]
    assert [opened.status_code, changed.status_code, deactivated.status_code] == [404, 404, 404]
    assert _vendors(live, fake) == []


def test_export_csv(staff):
    fake, live, context = staff
    _add_vendor(live, fake, emails_cc="a@acme.test, b@acme.test", po_notes="Call, then ship")
    _add_vendor(live, fake, name="Beta", code="BETA", integration="manual", active=False)

    response = _get(live, context, "/app/vendors/export")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="vendors.csv"'
    assert response.text == (
        "code,name,currency,integration,emails_to,emails_cc,file_format,lead_time_days,"
        "po_notes,active\n"
        'ACME,Acme Supply,USD,email,o@acme.test,"a@acme.test, b@acme.test",pdf,0,'
        '"Call, then ship",yes\n'
        "BETA,Beta,USD,manual,o@acme.test,,pdf,0,,no\n"
    )


def test_import_creates_and_updates_by_code(staff):
    fake, live, context = staff
    existing = _add_vendor(live, fake)
    csv_text = (
        "code,name,currency,emails_to,active\n"
        "ACME,Acme Renamed,USD,new@acme.test,yes\n"
        "beta,Beta Goods,eur,orders@beta.test,yes\n"
    )

    response = _post(live, context, "/app/vendors/import", {"text": csv_text})

    assert response.status_code == 200
    assert text(response.text, "notice") == "Vendors imported: 1 created, 1 updated."
    vendors = {v.code: v for v in _vendors(live, fake)}
    assert sorted(vendors) == ["ACME", "BETA"]
    assert (vendors["ACME"].id, vendors["ACME"].name) == (existing.id, "Acme Renamed")
    assert (vendors["BETA"].currency, vendors["BETA"].emails_to) == ("EUR", ("orders@beta.test",))


def test_import_from_an_uploaded_file(staff):
    fake, live, context = staff
    content = "\ufeffcode,name,currency,emails_to\nGAMMA,Gamma,USD,g@gamma.test\n".encode()

    response = _post(
        live, context, "/app/vendors/import", files={"file": ("v.csv", content, "text/csv")}
    )

    assert response.status_code == 200
    assert text(response.text, "notice") == "Vendors imported: 1 created, 0 updated."
    assert [v.code for v in _vendors(live, fake)] == ["GAMMA"]


def test_import_with_one_bad_row_imports_nothing_and_lists_each_error(staff):
    fake, live, context = staff
    csv_text = (
        "code,name,currency,emails_to\n"
        "GOOD,Good Vendor,USD,g@good.test\n"
        "bad code!,Bad,USD,b@bad.test\n"
        "GOOD,Again,USD,a@good.test\n"
        "CUR,Currency,dollars,c@cur.test\n"
    )

    response = _post(live, context, "/app/vendors/import", {"text": csv_text})

    assert response.status_code == 400
    assert text(response.text, "file-error") == "Nothing was imported: fix these rows."
    items = re.findall(r"<li>([^<]*)</li>", response.text)
    assert [html.unescape(item) for item in items] == [
        "Row 3: code: Use 1-20 letters, digits, - or _ (for example ACME).",
        "Row 4: code GOOD is also on row 2.",
        "Row 5: currency: Use a 3-letter currency code such as USD.",
    ]
    # (browsers drop the newline that follows <textarea>; html.parser keeps it)
    assert element(response.text, "vendors-text")["text"] == "\n" + csv_text
    assert _vendors(live, fake) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"text": "  "}, "Choose a CSV file or paste its rows.", id="empty_case"),
        pytest.param(
            {"text": "code,name\nA,B\n"}, "The CSV needs the column(s): currency.", id="column_case"
        ),
    ],
)
def test_import_without_usable_csv(staff, data, message):
    fake, live, context = staff

    response = _post(live, context, "/app/vendors/import", data)

    assert response.status_code == 400
    assert text(response.text, "file-error") == message
    assert _vendors(live, fake) == []


def _add_shirt(fake) -> dict:
    product = {
        "id": global_id("Product", 71),
        "name": "Polo",
        "variants": [
            {"id": global_id("ProductVariant", 711), "sku": "POLO-S", "name": "S"},
            {"id": global_id("ProductVariant", 712), "sku": "POLO-M", "name": "M"},
        ],
    }
    fake.add_product(product)
    return product


def test_product_vendor_import(staff):
    fake, live, context = staff
    product = _add_shirt(fake)
    vendor = _add_vendor(live, fake)
    csv_text = (
        "sku,vendor_code,unit_cost,vendor_sku,priority,min_quantity,is_default\n"
        "POLO-S,acme,4.20,AC-S,10,2,yes\n"
        "POLO-M,ACME,4.40,AC-M,,,\n"
    )

    response = _post(live, context, "/app/vendors/import-products", {"text": csv_text})

    assert response.status_code == 200
    assert text(response.text, "notice") == "Product vendors imported: 2 created, 0 updated."
    entries = list_product_vendors(
        live.container.uow_factory, _installation_id(live, fake), product["id"]
    )
    assert sorted(
        (e.product_vendor.variant_id, e.vendor_id, str(e.product_vendor.unit_cost)) for e in entries
    ) == [
        (product["variants"][0]["id"], vendor.id, "4.20 USD"),
        (product["variants"][1]["id"], vendor.id, "4.40 USD"),
    ]


def test_product_vendor_import_with_unknown_sku_or_vendor_imports_nothing(staff):
    fake, live, context = staff
    product = _add_shirt(fake)
    _add_vendor(live, fake)
    csv_text = (
        "sku,vendor_code,unit_cost\n"
        "POLO-S,ACME,4.20\n"
        "NOPE-1,ACME,1.00\n"
        "POLO-M,ZZZ,1.00\n"
        "POLO-M,ACME,cheap\n"
    )

    response = _post(live, context, "/app/vendors/import-products", {"text": csv_text})

    assert response.status_code == 400
    assert text(response.text, "file-error") == "Nothing was imported: fix these rows."
    assert [html.unescape(i) for i in re.findall(r"<li>([^<]*)</li>", response.text)] == [
        "Row 3: no product in Saleor has SKU 'NOPE-1'.",
        "Row 4: no vendor has code 'ZZZ'.",
        "Row 5: unit_cost: Enter the unit cost, such as 12.50.",
    ]
    installation_id = _installation_id(live, fake)
    assert list_product_vendors(live.container.uow_factory, installation_id, product["id"]) == []


def test_pages_need_a_signed_context(live_app):
    response = requests.get(f"{live_app.url}/app/vendors", timeout=5)

    assert response.status_code == 401
    assert "Open this page from the Saleor dashboard." in response.text


def test_vendor_pages_need_manage_orders(installed):
    fake, live, app = installed
    existing = _add_vendor(live, fake)
    token = fake.issue_dashboard_token(app, user_permissions=["MANAGE_PRODUCTS"])
    widget = requests.post(
        f"{live.url}/widgets/product",
        data={"saleorApiUrl": fake.api_url, "accessToken": token, "productId": "UHJvZHVjdDox"},
        timeout=5,
    )
    products_only = re.search(r'name="context" value="([^"]+)"', widget.text).group(1)

    listed = _get(live, products_only, "/app/vendors")
    created = _post(live, products_only, "/app/vendors/new", _vendor_form())

    assert [listed.status_code, created.status_code] == [403, 403]
    assert "You need the MANAGE_ORDERS permission for this action." in created.text
    assert _vendors(live, fake) == [existing]


def test_product_import_is_hidden_and_refused_without_manage_products(installed):
    fake, live, app = installed
    context = _context(fake, live, app, user_permissions=["MANAGE_ORDERS"])
    _add_vendor(live, fake)

    listed = _get(live, context, "/app/vendors")
    refused = _post(
        live, context, "/app/vendors/import-products", {"text": "sku,vendor_code,unit_cost\n"}
    )

    assert listed.status_code == 200
    assert "import-product-vendors" not in listed.text
    assert refused.status_code == 403


def test_an_account_link_is_optional_issued_reissued_and_revoked_from_the_vendor_form(staff):
    fake, live, context = staff
    vendor = _add_vendor(live, fake)
    path = f"/app/vendors/{vendor.id}"
    assert 'id="account-link-url"' not in _get(live, context, path).text

    first = _post(live, context, f"{path}/account-link")
    first_url = element(first.text, "account-link-url")["value"]
    second = _post(live, context, f"{path}/account-link")
    second_url = element(second.text, "account-link-url")["value"]

    assert first.status_code == second.status_code == 200
    assert second_url.startswith(f"{live.url}/portal/v/") and second_url != first_url
    assert requests.get(first_url, timeout=5).status_code == 404  # re-issued: the old one is off
    opened = requests.get(second_url, timeout=5)
    assert opened.status_code == 200
    assert "You have no open purchase orders" in opened.text
    revoked = _post(live, context, f"{path}/account-link/revoke")
    assert text(revoked.text, "account-link-notice") == "The account link no longer works."
    assert requests.get(second_url, timeout=5).status_code == 404
