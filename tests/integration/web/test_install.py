"""Manifest and registration over HTTP, installed by the fake Saleor the way Saleor does it."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from tests.servers.fake_saleor import InstallFailed
from tests.servers.live_app import start_live_app


def test_manifest_has_absolute_urls_on_app_url_and_the_package_version(live_app):
    manifest = requests.get(live_app.manifest_url, timeout=5).json()

    assert manifest["version"] == "0.1.0"
    assert manifest["tokenTargetUrl"] == f"{live_app.url}/api/register"
    assert manifest["appUrl"] == f"{live_app.url}/app"
    assert [w["targetUrl"] for w in manifest["webhooks"]] == [
        f"{live_app.url}/api/webhooks/{slug}"
        for slug in (
            "order-created",
            "order-confirmed",
            "order-updated",
            "order-paid",
            "order-fully-paid",
            "order-cancelled",
            "fulfillment-created",
            "fulfillment-canceled",
            "app-deleted",
        )
    ]
    assert all(
        w["query"].startswith("# ") or w["query"].startswith("subscription")
        for w in manifest["webhooks"]
    )


@pytest.mark.parametrize(
    "path", ["/api/manifest/", "/api/register/", "/api/webhooks/order-created/"]
)
def test_api_routes_never_redirect(live_app, path):
    response = requests.request(
        "GET" if "manifest" in path else "POST",
        live_app.url + path,
        allow_redirects=False,
        timeout=5,
    )

    assert not 300 <= response.status_code < 400


def test_install_stores_the_proved_installation_with_the_token_encrypted(installed, engine):
    fake, live, app = installed

    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    assert (installation.app_id, installation.token, installation.jwks) == (
        app.app_id,
        app.token,
        fake.jwks(),
    )
    assert [(c.operation_name, c.authorization) for c in fake.requests] == [
        ("ShopSchema", f"Bearer {app.token}"),
        ("AppId", f"Bearer {app.token}"),
    ]
    with engine.connect() as connection:
        stored = connection.execute(select(tables.installations.c.token_encrypted)).scalar_one()
    assert app.token not in stored


def test_disallowed_saleor_gets_a_message_and_the_app_makes_no_request(
    fake_saleor, settings, engine
):
    settings = replace(
        settings, allowed_saleor_api_urls=re.compile(r"https://[a-z]+\.saleor\.cloud/graphql/")
    )
    live = start_live_app(settings, engine=engine)
    try:
        with pytest.raises(InstallFailed) as raised:
            fake_saleor.install_app(live.manifest_url)
    finally:
        live.stop()

    assert raised.value.status == 403
    assert raised.value.message.startswith("This app may not be installed on http://127.0.0.1")
    assert fake_saleor.requests == []
    with engine.connect() as connection:
        assert connection.execute(select(tables.installations)).all() == []


def test_reinstall_after_deletion_replaces_the_installation(installed, engine):
    fake, live, first = installed
    fake.delete_app(first)

    second = fake.install_app(live.manifest_url)

    with live.container.uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(fake.api_url)
    assert (installation.app_id, installation.token) == (second.app_id, second.token)
    assert second.app_id != first.app_id
    with engine.connect() as connection:
        assert len(connection.execute(select(tables.installations)).all()) == 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "message"),
    [
        pytest.param(
            {}, {"auth_token": "x"}, 400, "Missing Saleor-Api-Url header.", id="no_api_url_case"
        ),
        pytest.param(
            {"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"},
            {},
            400,
            "Missing auth token.",
            id="no_token_case",
        ),
        pytest.param(
            {"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"},
            None,
            400,
            "The body must be JSON with auth_token.",
            id="no_json_case",
        ),
    ],
)
def test_bad_registration_gets_saleors_error_format(live_app, headers, body, status, message):
    response = requests.post(f"{live_app.url}/api/register", json=body, headers=headers, timeout=5)

    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_token_that_saleor_does_not_know_is_refused(fake_saleor, live_app):
    response = requests.post(
        f"{live_app.url}/api/register",
        json={"auth_token": "forged-token-forged-token-1234"},
        headers={"Saleor-Api-Url": fake_saleor.api_url},
        timeout=5,
    )

    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("Saleor did not accept the app token")
    with live_app.container.uow_factory() as uow:
        assert uow.installations.get_active_by_api_url(fake_saleor.api_url) is None


def test_unreachable_saleor_during_registration_is_503(live_app):
    response = requests.post(
        f"{live_app.url}/api/register",
        json={"auth_token": "x"},
        headers={"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"},
        timeout=30,
    )

    assert response.status_code == 503
    assert "Could not reach Saleor" in response.json()["error"]["message"]
