"""Fixtures for the browser tests: three loopback origins and one headless Chromium.

* dashboard origin: the fake Saleor Dashboard (``harness/dashboard.html``),
* app origin: the test app page plus ``/static/app-bridge.js`` from ``dashboard_extension/static``,
* evil origin: an untrusted third page used to post messages from a wrong origin.

All three listen on 127.0.0.1 on different ephemeral ports, so they are distinct origins
and the postMessage origin checks are real.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FrameLocator,
    Page,
    Playwright,
    Response,
    sync_playwright,
)

from tests.e2e.browser.dashboard_urls import Dashboard, DashboardCannotOpen, Opened, open_extension

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "harness"
STATIC = HERE.parents[2] / "dashboard_extension" / "static"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HTML = "text/html; charset=utf-8"
JS = "text/javascript; charset=utf-8"

# url path -> (file, Content-Type)
Routes = Mapping[str, tuple[Path, str]]

DASHBOARD_ROUTES: Routes = {
    "/dashboard.html": (HARNESS / "dashboard.html", HTML),
    "/dashboard.js": (HARNESS / "dashboard.js", JS),
}
APP_ROUTES: Routes = {
    "/app_page.html": (HARNESS / "app_page.html", HTML),
    "/static/app-bridge.js": (STATIC / "app-bridge.js", JS),
}
EVIL_ROUTES: Routes = {"/evil.html": (HARNESS / "evil.html", HTML)}


def _handler_for(routes: Routes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(urlsplit(self.path).path)
            if route is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            path, content_type = route
            body = path.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser may drop connections (e.g. on page close); not a test failure


@dataclass(frozen=True)
class Origins:
    dashboard: str
    app: str
    evil: str

    def dashboard_url(self, token: str = "token-1", **app_params: str) -> str:
        """URL of the fake Dashboard embedding the app page with ``app_params``."""
        query = {"theme": "light", **app_params}
        app_url = f"{self.app}/app_page.html?{urlencode(query)}"
        harness = urlencode({"app": app_url, "evil": self.evil, "token": token})
        return f"{self.dashboard}/dashboard.html?{harness}"


@pytest.fixture(scope="session")
def origins() -> Iterator[Origins]:
    servers: list[_QuietServer] = []
    threads: list[threading.Thread] = []
    try:
        for routes in (DASHBOARD_ROUTES, APP_ROUTES, EVIL_ROUTES):
            server = _QuietServer(("127.0.0.1", 0), _handler_for(routes))
            servers.append(server)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            threads.append(thread)
        dashboard, app, evil = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
        yield Origins(dashboard=dashboard, app=app, evil=evil)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture(scope="session")
def browser_context(chromium: Browser) -> Iterator[BrowserContext]:
    context = chromium.new_context()
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Iterator[Page]:
    """A fresh page (shared context); uncaught page errors fail the test."""
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        page.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def _is_app_frame_document(response: Response) -> bool:
    return response.request.is_navigation_request() and response.frame.name == "app-frame"


class DashboardHarness:
    """Loads what the dashboard requests for an extension (dashboard_urls) into the harness."""

    def __init__(self, page: Page, origins: Origins) -> None:
        self.page, self.origins = page, origins

    def url(self, opened: Opened, token: str, **extra: str) -> str:
        """The harness page: GET the frame, or POST the form fields into it (POST widgets)."""
        query = {"app": opened.url, "evil": self.origins.evil, "token": token, **extra}
        if opened.method == "POST":
            query |= {"post": "1", **{f"f.{k}": v for k, v in opened.fields.items()}}
        return f"{self.origins.dashboard}/dashboard.html?{urlencode(query)}"

    def open(self, opened: Opened, token: str, **extra: str) -> FrameLocator:
        """Load it; the app must answer the frame's document with 200 or DashboardCannotOpen."""
        with self.page.expect_response(_is_app_frame_document) as answer:
            self.page.goto(self.url(opened, token, **extra))
        status = answer.value.status
        if status != 200:
            raise DashboardCannotOpen(f"{opened.method} {opened.url} answered {status}")
        return self.page.frame_locator("#app-frame")

    def open_extension(
        self,
        fake: Any,
        app: Any,
        mount: str,
        token: str,
        params: Mapping[str, str] | None = None,
        **extra: str,
    ) -> FrameLocator:
        """Open the installed app's extension on `mount` as dashboard 3.23 does (APP_PAGE: menu)."""
        [extension] = [e for e in app.extensions if e["mount"] == mount]
        saleor_app = {"id": app.app_id, "appUrl": app.manifest.get("appUrl")}
        opened = open_extension(Dashboard(fake.api_url), extension, saleor_app, token, params)
        return self.open(opened, token, **extra)


@pytest.fixture
def dashboard(page: Page, origins: Origins) -> DashboardHarness:
    return DashboardHarness(page, origins)
