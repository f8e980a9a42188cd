"""Every extension URL Saleor hands the dashboard opens the way dashboard 3.23.27 opens it.

The resolution is modelled in dashboard_urls (with the dashboard source lines it follows); the
harness loads what it resolves into its frame and fails on an answer other than 200.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser.dashboard_urls import (
    Dashboard,
    DashboardCannotOpen,
    open_extension,
    open_from_extensions,
    url_join,
)

if TYPE_CHECKING:
    from tests.e2e.browser.conftest import DashboardHarness

NAVIGATION = "NAVIGATION_ORDERS"
PARAMS = {
    "ORDER_DETAILS_WIDGETS": {"orderId": "T3JkZXI6MQ=="},
    "PRODUCT_DETAILS_WIDGETS": {"productId": "UHJvZHVjdDo5MDE="},
    NAVIGATION: {},
}


def _saleor_app(app: Any) -> dict[str, Any]:
    """The app as the dashboard reads it from Saleor (id, appUrl)."""
    return {"id": app.app_id, "appUrl": app.manifest.get("appUrl")}


def _app_page(app: Any) -> dict[str, Any]:
    [extension] = [e for e in app.extensions if e["mount"] == NAVIGATION]
    return extension


# url-join 4.0.1's own cases (jfromaniello/url-join, tag v4.0.1, test/tests.js 5-140).
@pytest.mark.parametrize(
    ("parts", "joined"),
    [
        (("http://www.google.com/", "foo/bar", "?test=123"), "http://www.google.com/foo/bar?test=123"),
        (("http://www.google.com", "#!", "foo/bar", "?test=123"), "http://www.google.com/#!/foo/bar?test=123"),
        (("http:", "www.google.com/", "foo/bar", "?test=123"), "http://www.google.com/foo/bar?test=123"),
        (("http://a.com/23d04b3/", "/b/c.html"), "http://a.com/23d04b3/b/c.html"),
        (("file:", "///android_asset", "foo/bar"), "file:///android_asset/foo/bar"),
        (("http://example.org/x", "?a=1", "?b=2", "?c=3", "?d=4"), "http://example.org/x?a=1&b=2&c=3&d=4"),
        (("http://example.org", "a//", "b//", "A//", "B//"), "http://example.org/a/b/A/B/"),
        (("/users/:userId", "/cars/:carId"), "/users/:userId/cars/:carId"),
        (("", "http://foobar.com", "", "test"), "http://foobar.com/test"),
    ],
)  # fmt: skip
def test_url_join_behaves_as_url_join_4_0_1(parts, joined):
    assert url_join(*parts) == joined


def test_an_absolute_app_page_url_resolves_to_the_404_seen_in_a_real_dashboard():
    # Given the manifest as served before (APP_PAGE URL made absolute)
    app = {"id": "QXBwOjE=", "appUrl": "http://app.test/app"}
    extension = {"url": "http://app.test/app", "target": "APP_PAGE", "mount": NAVIGATION}

    # When the menu item is clicked
    opened = open_extension(Dashboard("http://shop.test/graphql/"), extension, app, "token")

    # Then the frame asks for the path the app logged: /app/http://<app>/app?domain=...
    assert urlsplit(opened.url).path == "/app/http://app.test/app"
    assert urlsplit(opened.url).query.startswith("domain=shop.test&saleorApiUrl=")


@pytest.mark.browser
@pytest.mark.parametrize("mount", sorted(PARAMS))
def test_every_installed_extension_opens_in_the_dashboard(
    installed, dashboard: DashboardHarness, mount
):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app)

    frame = dashboard.open_extension(fake, app, mount, token, PARAMS[mount])

    expect(frame.locator("body")).not_to_be_empty()


@pytest.mark.browser
@pytest.mark.parametrize("way_in", ["menu", "extensions"])
def test_drop_ship_opens_the_vendors_page_from_the_menu_and_from_extensions(
    installed, dashboard: DashboardHarness, page: Page, way_in
):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, email="staff@example.com")
    screen = Dashboard(fake.api_url)
    app_path = f"/extensions/app/{quote(app.app_id, safe='')}"

    # Given Fulfillment -> Apps -> "Drop-ship", or Extensions -> Installed -> Drop-ship
    if way_in == "menu":
        opened = open_extension(screen, _app_page(app), _saleor_app(app), token)
        assert opened.dashboard_path == f"{app_path}/"
    else:
        opened = open_from_extensions(screen, _saleor_app(app))
        assert opened.dashboard_path == app_path

    # When the dashboard loads it
    frame = dashboard.open(opened, token, width="900")

    # Then the app page was asked for at appUrl and shows the Vendors tab for the token's user
    assert urlsplit(opened.url).path == urlsplit(app.manifest["appUrl"]).path
    expect(frame.locator("#no-vendors")).to_contain_text("No vendors yet.")
    expect(frame.locator("#user-email")).to_have_text("staff@example.com")
    handshakes = page.evaluate("window.sentEvents.filter(e => e.type === 'handshake')")
    assert {h["payload"]["token"] for h in handshakes} == {token}  # on load and on notifyReady


@pytest.mark.browser
@pytest.mark.parametrize(
    ("target", "url", "why"),
    [
        ("APP_PAGE", "{app_url}", "answered 404"),  # absolute: /app/http://.../app
        ("APP_PAGE", "/app", "answered 404"),  # joined to appUrl: /app/app
        ("APP_PAGE", "/vendors", "answered 401"),  # a tab of the page, not a page
        ("POPUP", "/widgets/order", "Invalid URL for the popup frame"),
    ],
)
def test_a_manifest_url_the_dashboard_cannot_open_fails(
    installed, dashboard: DashboardHarness, target, url, why
):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app)
    extension = {**_app_page(app), "target": target, "url": url.format(app_url=live.url + "/app")}

    with pytest.raises(DashboardCannotOpen, match=why):
        opened = open_extension(Dashboard(fake.api_url), extension, _saleor_app(app), token)
        dashboard.open(opened, token)
