"""An HTTP vendor's settings: the endpoint checked (https, public hosts unless the deployment
allows private ones), a signing secret made by the app and kept across edits and CSV imports,
rotated on demand, and never in the CSV export."""

from __future__ import annotations

import pytest

from app.domain.vendor_http import EndpointPolicy
from app.services.forms import FormInvalid
from app.services.vendors import (
    export_vendors_csv,
    get_vendor,
    import_vendors_csv,
    rotate_vendor_signing_secret,
    save_vendor,
)

HTTP_VENDOR = {
    "name": "Acme Supply",
    "code": "ACME",
    "currency": "USD",
    "integration": "http",
    "http_url": "https://orders.acme.example/po",
}


def test_an_http_vendor_gets_a_secret_that_edits_keep(uow_factory, shop):
    created = save_vendor(uow_factory, shop, HTTP_VENDOR)
    secret = created.http.signing_secret

    edited = save_vendor(
        uow_factory,
        shop,
        HTTP_VENDOR | {"http_url": "https://orders.acme.example/v2", "http_timeout_seconds": "20"},
        vendor_id=created.id,
    )

    stored = get_vendor(uow_factory, shop, created.id)
    assert secret.startswith("dsk_")
    assert (stored.http.url, stored.http.timeout_seconds, stored.http.signing_secret) == (
        "https://orders.acme.example/v2",
        20,
        secret,
    )
    assert edited.http.signing_secret == secret


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("", "Enter the URL the vendor's system receives purchase orders on."),
        ("http://orders.acme.example/po", "Use https: purchase orders carry your customers'"),
        ("https://127.0.0.1:8443/po", "This host is a loopback, private or link-local address"),
        ("https://10.0.0.5/po", "This host is a loopback, private or link-local address"),
        ("https://169.254.169.254/latest", "This host is a loopback, private or link-local"),
    ],
    ids=["missing_case", "plain_http_case", "loopback_case", "private_case", "link_local_case"],
)
def test_the_endpoint_must_be_public_https(uow_factory, shop, url, error):
    with pytest.raises(FormInvalid) as raised:
        save_vendor(uow_factory, shop, HTTP_VENDOR | {"http_url": url})

    assert raised.value.errors["http_url"].startswith(error)
    assert export_vendors_csv(uow_factory, shop).count("\n") == 1  # the header only


def test_a_deployment_that_allows_private_hosts_takes_loopback_and_plain_http(uow_factory, shop):
    policy = EndpointPolicy(private_hosts_allowed=True)

    vendor = save_vendor(
        uow_factory,
        shop,
        HTTP_VENDOR | {"http_url": "http://127.0.0.1:9000/po"},
        endpoint_policy=policy,
    )

    assert vendor.http.url == "http://127.0.0.1:9000/po"
    with pytest.raises(FormInvalid) as raised:
        save_vendor(
            uow_factory,
            shop,
            HTTP_VENDOR | {"code": "B", "http_url": "http://orders.acme.example/po"},
            endpoint_policy=policy,
        )
    assert "http_url" in raised.value.errors


def test_email_vendors_ignore_the_endpoint_fields(uow_factory, shop):
    vendor = save_vendor(
        uow_factory,
        shop,
        HTTP_VENDOR | {"integration": "email", "emails_to": "po@acme.test", "http_url": "nope"},
    )

    assert (vendor.http.url, vendor.http.signing_secret) == ("", "")


def test_rotating_makes_a_new_secret_and_only_http_vendors_have_one(uow_factory, shop):
    vendor = save_vendor(uow_factory, shop, HTTP_VENDOR)
    email = save_vendor(
        uow_factory,
        shop,
        {"name": "Mail", "code": "MAIL", "currency": "USD", "emails_to": "po@mail.test"},
    )

    rotated = rotate_vendor_signing_secret(uow_factory, shop, vendor.id)

    assert rotated.http.signing_secret != vendor.http.signing_secret
    assert get_vendor(uow_factory, shop, vendor.id).http.signing_secret == (
        rotated.http.signing_secret
    )
    with pytest.raises(FormInvalid):
        rotate_vendor_signing_secret(uow_factory, shop, email.id)


def test_the_csv_never_carries_the_endpoint_or_secret_and_an_import_keeps_them(uow_factory, shop):
    vendor = save_vendor(uow_factory, shop, HTTP_VENDOR)

    exported = export_vendors_csv(uow_factory, shop)
    report = import_vendors_csv(uow_factory, shop, exported.replace("Acme Supply", "Acme Renamed"))

    assert exported.splitlines()[1] == "ACME,Acme Supply,USD,http,,,pdf,0,,yes"
    assert vendor.http.signing_secret not in exported and "orders.acme" not in exported
    assert (report.created, report.updated) == (0, 1)
    stored = get_vendor(uow_factory, shop, vendor.id)
    assert (stored.name, stored.http) == ("Acme Renamed", vendor.http)


def test_an_http_vendor_imported_from_csv_gets_a_secret_and_no_endpoint(uow_factory, shop):
    csv_text = "code,name,currency,integration\nNEW,New Vendor,USD,http\n"

    import_vendors_csv(uow_factory, shop, csv_text)

    [vendor] = [v for v in _all(uow_factory, shop) if v.code == "NEW"]
    assert vendor.http.signing_secret.startswith("dsk_")
    assert vendor.http.url == "" and not vendor.http.is_set_up


def _all(uow_factory, shop):
    with uow_factory() as uow:
        return uow.vendors.list(shop)
