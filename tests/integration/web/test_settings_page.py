"""The app page's Settings tab over HTTP: save, inline errors, a write-only SMTP password."""

from __future__ import annotations

import pytest
import requests

from app.domain.shop_settings import ShopSettings
from app.services.shop_settings import get_settings
from tests.html import element, text
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

PASSWORD = "s3cret-Pa55word"


@pytest.fixture
def staff(installed):
    """(live, context, installation id) for a staff user with every permission."""
    fake, live, app = installed
    token = fake.issue_dashboard_token(app)
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    return live, session.json()["context"], installation_id


def _stored(live, installation_id) -> ShopSettings:
    return get_settings(live.container.uow_factory, installation_id)


def _open(live, context):
    return requests.get(
        f"{live.url}/app/settings", headers={"X-Dashboard-Context": context}, timeout=5
    )


def _save(live, context, **changes: str):
    form = {
        "shop_name": "Polygon Shop",
        "merchant_email": "buying@polygon.test",
        "po_number_pattern": "PO-{order}/{n}",
        "smtp_host": "smtp.polygon.test",
        "smtp_port": "2525",
        "smtp_username": "mailer",
        "smtp_password": PASSWORD,
        "smtp_security": "ssl",
        "smtp_sender": "orders@polygon.test",
        "email_subject_template": "PO {{ po.number }}",
        "email_body_template": "Hello {{ vendor.name }},\r\nplease ship.\r\n",
        "po_template_html": "",
    }
    form.update(changes)
    return requests.post(
        f"{live.url}/app/settings",
        headers={"X-Dashboard-Context": context},
        data=form,
        timeout=5,
    )


def test_settings_page_shows_the_defaults(staff):
    live, context, installation_id = staff

    response = _open(live, context)

    assert response.status_code == 200
    assert element(response.text, "po_number_pattern")["value"] == "{order}-{n}"
    assert element(response.text, "smtp_port")["value"] == "587"
    assert '<option value="starttls" selected>STARTTLS (port 587)</option>' in response.text
    assert text(response.text, "smtp_password-hint") == "No password is stored."
    assert '<a data-nav href="/app/settings" aria-current="page">Settings</a>' in response.text


def test_save_settings(staff):
    live, context, installation_id = staff

    response = _save(live, context)

    assert response.status_code == 200
    assert text(response.text, "notice") == "Settings saved."
    assert _stored(live, installation_id) == ShopSettings(
        shop_name="Polygon Shop",
        merchant_email="buying@polygon.test",
        po_number_pattern="PO-{order}/{n}",
        smtp_host="smtp.polygon.test",
        smtp_port=2525,
        smtp_username="mailer",
        smtp_password=PASSWORD,
        smtp_security="ssl",
        smtp_sender="orders@polygon.test",
        email_subject_template="PO {{ po.number }}",
        email_body_template="Hello {{ vendor.name }},\nplease ship.\n",
        po_template_html="",
    )
    assert element(response.text, "email_subject_template")["value"] == "PO {{ po.number }}"
    assert '<option value="ssl" selected>SSL/TLS (port 465)</option>' in response.text


def test_password_is_never_echoed_and_kept_when_left_empty(staff):
    live, context, installation_id = staff
    _save(live, context)

    reopened = _open(live, context)
    resaved = _save(live, context, smtp_password="", shop_name="Polygon Outlet")

    stored = _stored(live, installation_id)
    assert (stored.smtp_password, stored.shop_name) == (PASSWORD, "Polygon Outlet")
    for answer in (reopened, resaved):
        assert PASSWORD not in answer.text
        assert element(answer.text, "smtp_password")["value"] == ""
        assert text(answer.text, "smtp_password-hint") == (
            "A password is stored. Leave empty to keep it."
        )


def test_new_password_replaces_the_stored_one(staff):
    live, context, installation_id = staff
    _save(live, context)

    response = _save(live, context, smtp_password="another-one")

    assert response.status_code == 200
    assert _stored(live, installation_id).smtp_password == "another-one"
    assert "another-one" not in response.text


def test_invalid_settings_show_each_error_keep_the_input_and_save_nothing(staff):
    live, context, installation_id = staff
    _save(live, context)
    before = _stored(live, installation_id)

    response = _save(
        live,
        context,
        merchant_email="buying",
        po_number_pattern="PO-{n}",
        smtp_port="99999",
        smtp_sender="",
        smtp_password="typed-but-refused",
        shop_name="Not saved",
    )

    assert response.status_code == 400
    page_html = response.text
    assert text(page_html, "merchant_email-error") == "Enter the email vendors should reply to."
    assert text(page_html, "po_number_pattern-error") == (
        "The PO number pattern needs {order} and {n}, e.g. {order}-{n}."
    )
    assert text(page_html, "smtp_port-error") == "Use a port number such as 587."
    assert text(page_html, "smtp_sender-error") == "Enter the From address for purchase orders."
    assert "shop_name-error" not in page_html
    assert element(page_html, "shop_name")["value"] == "Not saved"
    assert element(page_html, "po_number_pattern")["value"] == "PO-{n}"
    assert element(page_html, "smtp_port")["value"] == "99999"
    assert "typed-but-refused" not in page_html
    assert PASSWORD not in page_html
    assert text(page_html, "smtp_password-hint") == "A password is stored. Leave empty to keep it."
    assert _stored(live, installation_id) == before


def test_settings_of_one_shop_are_not_shown_to_another(staff):
    live, context, installation_id = staff
    _save(live, context)

    with FakeSaleor() as other:
        other_app = other.install_app(live.manifest_url)
        token = other.issue_dashboard_token(other_app)
        session = requests.post(
            f"{live.url}/app/session",
            json={"token": token, "saleorApiUrl": other.api_url},
            timeout=5,
        )
        theirs = _open(live, session.json()["context"])

    assert element(theirs.text, "shop_name")["value"] == ""
    assert text(theirs.text, "smtp_password-hint") == "No password is stored."
    assert _stored(live, installation_id).shop_name == "Polygon Shop"


def test_settings_need_manage_orders(installed):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app, user_permissions=["MANAGE_PRODUCTS"])

    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    anonymous = requests.post(f"{live.url}/app/settings", data={"shop_name": "X"}, timeout=5)

    assert session.status_code == 403
    assert anonymous.status_code == 401
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    assert _stored(live, installation_id) == ShopSettings()


def test_fulfilment_settings_list_saleors_warehouses_and_save(staff):
    live, context, installation_id = staff
    page = _open(live, context).text

    assert f'<option value="{DEFAULT_WAREHOUSE["id"]}"' in page
    assert '<option value="1" selected>Yes (Saleor sends its shipping email)</option>' in page

    response = _save(
        live,
        context,
        dropship_warehouse_id=DEFAULT_WAREHOUSE["id"],
        notify_customer="0",
        approve_fulfilments="0",
    )

    assert response.status_code == 200
    stored = _stored(live, installation_id)
    assert (stored.dropship_warehouse_id, stored.notify_customer, stored.approve_fulfilments) == (
        DEFAULT_WAREHOUSE["id"],
        False,
        False,
    )
    assert '<option value="0" selected>No</option>' in response.text


def test_a_broken_template_is_refused_on_save_next_to_its_field(staff):
    live, context, installation_id = staff

    response = _save(live, context, email_subject_template="PO {{ po.number ")

    assert response.status_code == 400
    assert "The email subject template has an error on line 1" in response.text
    assert _stored(live, installation_id) == ShopSettings()


def test_the_stored_password_can_be_removed(staff):
    live, context, installation_id = staff
    _save(live, context)
    assert _stored(live, installation_id).smtp_password == PASSWORD

    response = _save(live, context, smtp_password="", smtp_password_clear="1")

    assert response.status_code == 200
    assert _stored(live, installation_id).smtp_password == ""
    assert text(response.text, "smtp_password-hint") == "No password is stored."


def test_the_vendor_link_lifetime_defaults_to_60_days_and_is_bounded(staff):
    live, context, installation_id = staff
    assert element(_open(live, context).text, "portal_link_days")["value"] == "60"

    saved = _save(live, context, portal_link_days="14")
    refused = _save(live, context, portal_link_days="400")

    assert saved.status_code == 200
    assert refused.status_code == 400
    assert "from 1 to 365" in text(refused.text, "portal_link_days-error")
    assert _stored(live, installation_id).portal_link_days == 14
