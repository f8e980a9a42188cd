"""The first-run checklist on the app page, and "Send a test PO", over HTTP (issue 9 item 7).

The app runs over real HTTP, installed in the fake Saleor; mail goes to the aiosmtpd server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from app.adapters.db import tables
from app.services.shop_settings import get_settings
from tests.builders import global_id
from tests.html import element, text
from tests.servers.live_app import LiveApp, start_live_app
from tests.servers.smtp import SmtpServer

pytest_plugins = ["tests.servers.smtp_fixtures"]

MERCHANT = "buyer@polygon.test"
STEPS = ("step-vendor", "step-products", "step-mail", "step-test-po")


@pytest.fixture
def settings(settings):
    """The shops' own mail server is the aiosmtpd server on loopback: a single-shop deployment
    with a local relay, which the operator allows (ALLOW_PRIVATE_SMTP_HOSTS)."""
    return replace(settings, allow_private_smtp_hosts=True)


@dataclass
class Shop:
    fake: Any
    live: LiveApp
    context: str
    installation_id: int

    def get(self, path: str = "/app/home") -> requests.Response:
        return requests.get(
            f"{self.live.url}{path}", headers={"X-Dashboard-Context": self.context}, timeout=5
        )

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        return requests.post(
            f"{self.live.url}{path}",
            headers={"X-Dashboard-Context": self.context},
            data=data or {},
            timeout=30,
        )

    def send_test_po(self) -> requests.Response:
        return self.post("/app/first-run/test-po")

    def save_settings(self, **changes: str) -> None:
        form = {"merchant_email": MERCHANT, "po_number_pattern": "{order}-{n}", "smtp_port": "587"}
        form.update(changes)
        response = self.post("/app/settings", {"smtp_security": "none", **form})
        assert response.status_code == 200, response.text

    def count(self, table: Any) -> int:
        mine = table.c.installation_id == self.installation_id
        query = select(func.count()).select_from(table).where(mine)
        with self.live.container.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())


def _open_shop(fake: Any, live: LiveApp, app: Any) -> Shop:
    token = fake.issue_dashboard_token(app, email="staff@polygon.test")
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    with live.container.uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(fake.api_url).id
    return Shop(fake, live, session.json()["context"], installation_id)


@pytest.fixture
def shop(installed) -> Shop:
    """A new shop: no vendors, no product vendors, no SMTP server (nor a deployment one)."""
    fake, live, app = installed
    return _open_shop(fake, live, app)


@pytest.fixture
def deployment_shop(fake_saleor, settings, engine, task_queue, smtp_server):
    """A new shop of a deployment whose SMTP_* variables point at the test SMTP server."""
    with_smtp = replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_sender="dropship@deployment.test",
    )
    live = start_live_app(with_smtp, engine=engine, task_queue=task_queue)
    try:
        app = fake_saleor.install_app(live.manifest_url)
        yield _open_shop(fake_saleor, live, app)
    finally:
        live.stop()


def _states(page: str) -> dict[str, str]:
    return {step: element(page, step)["data-done"] for step in STEPS}


def _add_vendor(shop: Shop, **changes: str) -> None:
    form = {"name": "Acme Supply", "code": "ACME", "currency": "USD", "integration": "email"}
    form.update({"emails_to": "orders@acme.test", "file_format": "pdf", **changes})
    assert shop.post("/app/vendors/new", form).status_code == 200


def _assign_product(shop: Shop) -> None:
    variant = {"id": global_id("ProductVariant", 711), "sku": "POLO-S", "name": "S"}
    shop.fake.add_product({"id": global_id("Product", 71), "name": "Polo", "variants": [variant]})
    csv_text = "sku,vendor_code,unit_cost\nPOLO-S,ACME,4.20\n"
    response = shop.post("/app/vendors/import-products", {"text": csv_text})
    assert response.status_code == 200, response.text


def _own_smtp(shop: Shop, smtp_server: SmtpServer, **changes: str) -> None:
    shop.save_settings(
        smtp_host="127.0.0.1",
        smtp_port=str(smtp_server.port),
        smtp_sender="orders@polygon.test",
        **changes,
    )


def _saleor_mutations(shop: Shop) -> list[str]:
    return [
        str(call.operation_name)
        for call in shop.fake.requests
        if call.query and call.query.lstrip().startswith("mutation")
    ]


def test_a_new_shop_sees_the_checklist_with_nothing_done(shop):
    page = shop.get()

    assert page.status_code == 200
    assert _states(page.text) == dict.fromkeys(STEPS, "false")
    assert text(page.text, "step-mail").startswith("To do Mail server: set the SMTP server")
    assert element(page.text, "send-test-po")["tag"] == "button"
    assert "/app/vendors/new" in page.text
    assert "/app/vendors#import-product-vendors" in page.text
    assert "/app/settings#email-server" in page.text
    assert 'data-dashboard-path="/products/"' in page.text


def test_each_step_is_done_as_the_shop_sets_itself_up(shop, smtp_server):
    _add_vendor(shop)
    assert _states(shop.get().text) == {
        "step-vendor": "true",
        "step-products": "false",
        "step-mail": "false",
        "step-test-po": "false",
    }
    assert text(shop.get().text, "step-vendor").startswith("Done Add a vendor: 1 vendor added.")

    _assign_product(shop)
    assert _states(shop.get().text)["step-products"] == "true"
    assert "1 product vendor assigned." in text(shop.get().text, "step-products")

    _own_smtp(shop, smtp_server)
    page = shop.get().text
    assert _states(page)["step-mail"] == "true"
    assert "your own SMTP server" in text(page, "step-mail")
    assert _states(page)["step-test-po"] == "false"
    assert f"to {MERCHANT}" in text(page, "step-test-po")

    response = shop.send_test_po()

    # Every step done: the checklist is gone, on this answer and on the next visit
    assert response.status_code == 200
    assert text(response.text, "notice") == f"A test PO was sent to {MERCHANT}: check that inbox."
    assert 'id="first-run"' not in response.text
    assert 'id="first-run"' not in shop.get().text
    assert len(smtp_server.messages) == 1


def test_the_test_po_arrives_at_the_merchant_with_its_pdf_and_creates_nothing(shop, smtp_server):
    _add_vendor(shop, po_notes="Ship in plain boxes.")
    _own_smtp(shop, smtp_server, shop_name="Polygon Shop", po_number_pattern="SO{order}.{n}")
    calls_before = _saleor_mutations(shop)

    response = shop.send_test_po()

    assert response.status_code == 200
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == (MERCHANT,)
    assert mail.mail_from == "orders@polygon.test"
    assert mail.message["To"] == MERCHANT
    assert mail.message["Reply-To"] == MERCHANT
    assert mail.message["Cc"] is None
    assert mail.message["Subject"].startswith("[TEST - not a real order] ")
    assert "SO1042.1" in mail.message["Subject"]
    body = mail.message.get_body(("plain",)).get_content()
    assert body.startswith("This is a test purchase order sent from the Drop-ship app")
    [pdf] = list(mail.message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "PO-SO1042.1.pdf"
    assert pdf.get_content().startswith(b"%PDF-")
    # No PO, no outbound attempt, no note, nothing written to Saleor
    assert shop.count(tables.purchase_orders) == 0
    assert shop.count(tables.outbound_attempts) == 0
    assert _saleor_mutations(shop) == calls_before
    settings = get_settings(shop.live.container.uow_factory, shop.installation_id)
    assert settings.test_po_sent_at.startswith("20")
    assert _states(response.text)["step-test-po"] == "true"  # products still missing


def test_without_a_merchant_email_the_test_po_is_refused(shop, smtp_server):
    _own_smtp(shop, smtp_server, merchant_email="")

    response = shop.send_test_po()

    assert response.status_code == 400
    assert text(response.text, "test-po-merchant_email-error").startswith(
        "Enter your Reply-to email in Settings first: the test PO is sent there."
    )
    assert "test-po-smtp_host-error" not in response.text
    assert smtp_server.messages == []
    assert _states(response.text)["step-test-po"] == "false"
    assert get_settings(shop.live.container.uow_factory, shop.installation_id).test_po_sent_at == ""


def test_without_any_mail_server_the_test_po_is_refused(shop, smtp_server):
    shop.save_settings()  # a merchant email, no SMTP host; the deployment has none either

    response = shop.send_test_po()

    assert response.status_code == 400
    assert text(response.text, "test-po-smtp_host-error").startswith(
        "No mail server is set up: enter your SMTP server in Settings"
    )
    assert "test-po-merchant_email-error" not in response.text
    assert smtp_server.messages == []
    assert _states(response.text)["step-test-po"] == "false"


def test_a_refused_test_po_shows_the_mail_servers_reason(shop, smtp_server):
    _own_smtp(shop, smtp_server)
    smtp_server.refuse_recipients = "buyer@"

    response = shop.send_test_po()

    assert response.status_code == 502
    assert text(response.text, "test-po-error") == (
        f"The test PO could not be sent: The mail server refused {MERCHANT} (550 5.1.1 "
        f"<{MERCHANT}>: Recipient address rejected: User unknown): check your Reply-to email."
    )
    assert smtp_server.messages == []
    assert _states(response.text)["step-test-po"] == "false"
    assert get_settings(shop.live.container.uow_factory, shop.installation_id).test_po_sent_at == ""


def test_an_unreachable_mail_server_shows_why(shop, smtp_server):
    _own_smtp(shop, smtp_server)
    smtp_server.stop()

    response = shop.send_test_po()

    assert response.status_code == 502
    assert text(response.text, "test-po-error") == (
        "The test PO could not be sent: Could not connect to the SMTP server at "
        f"127.0.0.1:{smtp_server.port} (connection refused): check the host and port in Settings."
    )
    assert _states(response.text)["step-test-po"] == "false"


def test_the_deployments_mail_server_completes_the_mail_step(deployment_shop, smtp_server):
    page = deployment_shop.get().text
    assert _states(page)["step-mail"] == "true"
    assert "this deployment's mail server" in text(page, "step-mail")
    deployment_shop.save_settings()  # only the merchant email

    response = deployment_shop.send_test_po()

    assert response.status_code == 200
    [mail] = smtp_server.messages
    assert mail.mail_from == "dropship@deployment.test"
    assert mail.rcpt_tos == (MERCHANT,)
    assert _states(response.text)["step-test-po"] == "true"


def test_the_merchant_can_hide_the_checklist(shop):
    response = shop.post("/app/first-run/dismiss")

    assert response.status_code == 200
    assert 'id="first-run"' not in response.text
    assert 'id="first-run"' not in shop.get().text
    assert 'id="no-vendors"' in shop.get().text  # the Vendors tab itself is unchanged


def test_the_checklist_needs_a_signed_context(shop):
    response = requests.post(f"{shop.live.url}/app/first-run/test-po", timeout=5)

    assert response.status_code == 401
    assert shop.count(tables.installation_settings) == 0
