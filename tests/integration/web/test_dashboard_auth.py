"""Dashboard tokens from the fake Saleor on the widgets and the app page."""

from __future__ import annotations

import re

import pytest
import requests

from tests.builders import make_order
from tests.servers.fake_saleor import FakeSaleor, SigningKey


def _widget(live, fake, token, path="/widgets/order", **form):
    data = {
        "saleorApiUrl": fake.api_url,
        "accessToken": token,
        "appId": "x",
        "orderId": "T3JkZXI6MQ==",
    }
    data.update(form)
    return requests.post(f"{live.url}{path}", data=data, timeout=5)


def _context(html: str) -> str:
    return re.search(r'name="context" value="([^"]+)"', html).group(1)


def test_order_widget_shows_the_signed_in_user(installed):
    fake, live, app = installed

    response = _widget(live, fake, fake.issue_dashboard_token(app, email="staff@example.com"))

    assert response.status_code == 200
    assert '<span id="user-email">staff@example.com</span>' in response.text
    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors {fake.api_url.removesuffix('/graphql/')}"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "X-Frame-Options" not in response.headers


def test_order_widget_shows_the_stored_order(installed):
    fake, live, app = installed
    order = make_order(number="1042")
    fake.add_order(order)
    from app.adapters.saleor.parsing import parse_order

    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
        uow.orders.save(installation.id, parse_order(order))
        uow.commit()

    response = _widget(live, fake, fake.issue_dashboard_token(app), orderId=order["id"])

    assert "Order #1042 · unfulfilled · 2 lines" in response.text


def test_product_widget_needs_manage_products(installed):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, user_permissions=["MANAGE_ORDERS"])

    response = _widget(live, fake, token, path="/widgets/product", productId="UHJvZHVjdDox")

    assert response.status_code == 403
    assert "You need the MANAGE_PRODUCTS permission" in response.text


@pytest.mark.parametrize(
    ("make_token", "status", "message"),
    [
        pytest.param(
            lambda f, a: f.issue_dashboard_token(a, expires_in=-120),
            401,
            "expired",
            id="expired_case",
        ),
        pytest.param(
            lambda f, a: f.issue_dashboard_token(a, key_override=SigningKey.generate()),
            401,
            "not signed by this Saleor",
            id="forged_key_case",
        ),
        pytest.param(
            lambda f, a: f.issue_dashboard_token(a, user_permissions=[]),
            403,
            "MANAGE_ORDERS",
            id="no_permission_case",
        ),
        pytest.param(lambda f, a: "not-a-jwt", 401, "not signed by this Saleor", id="garbage_case"),
        pytest.param(
            lambda f, a: "", 401, "Open this page from the Saleor dashboard", id="missing_case"
        ),
    ],
)
def test_bad_tokens_are_refused(installed, make_token, status, message):
    fake, live, app = installed

    response = _widget(live, fake, make_token(fake, app))

    assert response.status_code == status
    assert message in response.text
    assert "user-email" not in response.text


def test_token_of_another_saleor_is_refused(installed):
    fake, live, app = installed
    with FakeSaleor() as other:
        other.rotate_key()
        other_app = other.install_app(live.manifest_url)
        token = other.issue_dashboard_token(other_app)

        response = _widget(live, fake, token)

    assert response.status_code == 401
    assert "user-email" not in response.text


def test_follow_up_request_carries_the_signed_context(installed):
    fake, live, app = installed
    first = _widget(live, fake, fake.issue_dashboard_token(app, email="staff@example.com"))

    follow_up = requests.post(
        f"{live.url}/widgets/order/refresh",
        data={"context": _context(first.text), "orderId": "T3JkZXI6MQ=="},
        timeout=5,
    )

    assert follow_up.status_code == 200
    assert '<span id="user-email">staff@example.com</span>' in follow_up.text


def test_tampered_context_is_refused(installed):
    fake, live, app = installed
    context = _context(_widget(live, fake, fake.issue_dashboard_token(app)).text)
    tampered = context[:-2] + ("AA" if not context.endswith("AA") else "BB")

    response = requests.post(
        f"{live.url}/widgets/order/refresh", data={"context": tampered}, timeout=5
    )

    assert response.status_code == 401


def test_context_stops_working_once_the_app_is_deleted(installed):
    fake, live, app = installed
    context = _context(_widget(live, fake, fake.issue_dashboard_token(app)).text)
    fake.delete_app(app)

    response = requests.post(
        f"{live.url}/widgets/order/refresh", data={"context": context}, timeout=5
    )

    assert response.status_code == 401
    assert "no longer installed" in response.text


def test_app_page_trades_the_appbridge_token_for_a_context(installed):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, email="staff@example.com")

    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    home = requests.get(
        f"{live.url}/app/home",
        headers={"X-Dashboard-Context": session.json()["context"]},
        timeout=5,
    )

    assert session.status_code == 200 and session.json()["email"] == "staff@example.com"
    assert '<span id="user-email">staff@example.com</span>' in home.text
    assert requests.get(f"{live.url}/app/home", timeout=5).status_code == 401


def test_served_pages_and_logo(live_app):
    logo = requests.get(f"{live_app.url}/static/logo.png", timeout=5)

    assert logo.headers["Content-Type"] == "image/png"
    assert logo.content.startswith(b"\x89PNG\r\n\x1a\n")
    for path in ("/", "/privacy", "/support", "/app"):
        assert requests.get(f"{live_app.url}{path}", timeout=5).status_code == 200
