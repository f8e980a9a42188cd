"""SECRET_KEY rotation: install, put a new key first, rotate-secrets, drop the old key;
the shop keeps working and contexts signed with the old key last until they expire."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from sqlalchemy import select

from app.adapters.crypto import SecretCorrupted, TokenCipher
from app.adapters.db import tables
from app.services.shop_settings import save_settings
from tests.builders import make_order
from tests.servers.live_app import start_live_app

OLD_KEY = "test-secret-key-0123456789"  # tests.conftest.make_settings
NEW_KEY = "the-new-secret-key-9876543210"


def _stored(engine):
    with engine.connect() as connection:
        token = connection.execute(select(tables.installations.c.token_encrypted)).scalar_one()
        password = connection.execute(
            select(tables.installation_settings.c.smtp_password_encrypted)
        ).scalar_one()
    return token, password


def _app_page(live, context):
    return requests.get(
        f"{live.url}/app/vendors", headers={"X-Dashboard-Context": context}, timeout=5
    )


def test_install_rotate_drop_the_old_key_and_the_shop_still_works(installed, settings, engine):
    fake, live, app = installed
    with live.container.uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(fake.api_url)
    save_settings(
        live.container.uow_factory,
        shop.id,
        {
            "smtp_host": "mail.shop.test",
            "smtp_password": "smtp-password-42",
            "smtp_sender": "o@s.t",
        },
    )
    token = fake.issue_dashboard_token(app)
    old_context = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    ).json()["context"]
    before = _stored(engine)

    both = start_live_app(replace(settings, secret_key=f"{NEW_KEY},{OLD_KEY}"), engine=engine)
    result = both.flask.test_cli_runner().invoke(args=["rotate-secrets"])
    old_context_with_both = _app_page(both, old_context).status_code
    both.stop()
    new_only = start_live_app(replace(settings, secret_key=NEW_KEY), engine=engine)
    order = make_order(number="901")
    fake.add_order(order)
    try:
        with new_only.container.uow_factory() as uow:
            rotated_shop = uow.installations.get(shop.id)
        fetched = new_only.container.saleor.api(fake.api_url, rotated_shop.token).fetch_order(
            order["id"]
        )
        old_context_with_new_only = _app_page(new_only, old_context).status_code
    finally:
        new_only.stop()

    assert result.exit_code == 0, result.output
    assert result.output == "re-encrypted 2 secrets under the first SECRET_KEY\n"
    after = _stored(engine)
    assert after != before
    only_new = TokenCipher(NEW_KEY)
    assert (only_new.decrypt(after[0]), only_new.decrypt(after[1])) == (
        app.token,
        "smtp-password-42",
    )
    assert rotated_shop.token == app.token and fetched is not None and fetched.number == "901"
    assert old_context_with_both == 200
    assert old_context_with_new_only == 401


def test_a_secret_under_a_removed_key_cannot_be_read():
    stored = TokenCipher(OLD_KEY).encrypt("app-token")

    with pytest.raises(SecretCorrupted) as refused:
        TokenCipher(NEW_KEY).decrypt(stored)

    assert str(refused.value) == "A stored secret could not be decrypted with SECRET_KEY."
    assert TokenCipher(f"{NEW_KEY},{OLD_KEY}").decrypt(stored) == "app-token"
