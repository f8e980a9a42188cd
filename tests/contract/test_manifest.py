"""The served manifest obeys Saleor's rules (PROTOCOL.md §1) and every URL in it is served.

What the dashboard then requests for each extension is checked in tests/e2e/browser
(test_extension_urls.py)."""

from __future__ import annotations

import struct
from urllib.parse import urlsplit

import requests
from graphql import OperationType

from app.adapters.saleor.documents import load_schema, operation_of, validate_document
from tests.conftest import SCHEMA_PATH

REQUIRED_EVENTS = {
    "ORDER_CREATED",
    "ORDER_CONFIRMED",
    "ORDER_UPDATED",
    "ORDER_PAID",
    "ORDER_FULLY_PAID",
    "ORDER_CANCELLED",
    "FULFILLMENT_CREATED",
    "FULFILLMENT_CANCELED",
    "APP_DELETED",
}


def _manifest(live_app):
    return requests.get(live_app.manifest_url, timeout=5).json()


def _enum_values(name: str) -> set[str]:
    return set(load_schema(SCHEMA_PATH).get_type(name).values)  # type: ignore[union-attr]


def test_top_level_fields(live_app):
    manifest = _manifest(live_app)

    assert manifest["id"] == "saleor.app.dropship"
    assert manifest["permissions"] == ["MANAGE_ORDERS", "MANAGE_PRODUCTS", "HANDLE_PAYMENTS"]
    assert manifest["requiredSaleorVersion"] == ">=3.22"
    assert manifest["author"].strip()
    for key in ("name", "about", "version"):
        assert manifest[key]


def test_permissions_exist_and_exclude_manage_apps(live_app):
    manifest = _manifest(live_app)
    known = _enum_values("PermissionEnum")

    assert set(manifest["permissions"]) <= known - {"MANAGE_APPS"}
    for extension in manifest["extensions"]:
        assert set(extension["permissions"]) <= set(manifest["permissions"]), extension["label"]


def test_extensions_mounts_and_targets(live_app):
    extensions = {e["mount"]: e for e in _manifest(live_app)["extensions"]}

    assert set(extensions) == {
        "ORDER_DETAILS_WIDGETS",
        "NAVIGATION_ORDERS",
        "PRODUCT_DETAILS_WIDGETS",
    }
    assert extensions["ORDER_DETAILS_WIDGETS"]["label"] == "Purchase orders"
    assert extensions["PRODUCT_DETAILS_WIDGETS"]["label"] == "Vendors"
    assert extensions["NAVIGATION_ORDERS"]["target"] == "APP_PAGE"
    for mount, extension in extensions.items():
        if extension["target"] == "WIDGET":
            assert mount.endswith("_WIDGETS")
            assert extension["options"] == {"widgetTarget": {"method": "POST"}}


def test_webhooks_are_valid_subscriptions_for_the_required_events(live_app):
    webhooks = _manifest(live_app)["webhooks"]
    schema = load_schema(SCHEMA_PATH)
    known_events = _enum_values("WebhookEventTypeAsyncEnum")

    assert {event for w in webhooks for event in w["asyncEvents"]} == REQUIRED_EVENTS
    for webhook in webhooks:
        assert set(webhook["asyncEvents"]) <= known_events
        document = validate_document(schema, webhook["query"], webhook["name"])
        assert operation_of(document).operation is OperationType.SUBSCRIPTION
        assert "issuingPrincipal" in webhook["query"]
        assert webhook["isActive"] is True


def _all_urls(manifest):
    urls = {
        manifest[k]
        for k in ("appUrl", "tokenTargetUrl", "dataPrivacyUrl", "homepageUrl", "supportUrl")
    }
    urls.add(manifest["brand"]["logo"]["default"])
    urls |= {e["url"] for e in manifest["extensions"] if e["target"] != "APP_PAGE"}
    urls |= {w["targetUrl"] for w in manifest["webhooks"]}
    return urls


def test_every_url_but_app_pages_is_absolute_and_served(live_app):
    manifest = _manifest(live_app)

    for url in _all_urls(manifest):
        assert url.startswith(live_app.url + "/"), url
        get = requests.get(url, timeout=5, allow_redirects=False)
        post = requests.post(url, timeout=5, allow_redirects=False)
        served_page = get.status_code == 200
        served_endpoint = post.status_code in (400, 401)  # refuses an unsigned, empty request
        assert served_page or served_endpoint, (url, get.status_code, post.status_code)


def test_app_page_urls_are_paths_served_under_app_url(live_app):
    """Saleor 3.23.28 saleor/app/manifest_validations.py 53-61: "url cannot start with protocol
    when target == APP_PAGE"; dashboard 3.23.27 src/extensions/domain/app-extension-manifest.ts
    58-75: an APP_PAGE URL "must start with '/'"; it is opened under appUrl (urls.ts 236-244)."""
    manifest = _manifest(live_app)
    app_pages = [e for e in manifest["extensions"] if e["target"] == "APP_PAGE"]

    assert [e["mount"] for e in app_pages] == ["NAVIGATION_ORDERS"]
    for extension in app_pages:
        url = extension["url"]
        assert url.startswith("/"), url
        assert not urlsplit(url).scheme and not urlsplit(url).netloc, url
        page = requests.get(manifest["appUrl"] + url, timeout=5, allow_redirects=False)
        assert page.status_code == 200, (url, page.status_code)
        assert "Connecting to the dashboard" in page.text


def test_logo_is_a_square_png_of_at_least_256_px(live_app):
    png = requests.get(_manifest(live_app)["brand"]["logo"]["default"], timeout=5).content

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height >= 256
