"""The vendor's EDI page over HTTP (real dashboard tokens, the live app, a loopback SFTP server):
settings with secrets encrypted, host key shown then trusted, Send test, the document log."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from tests.html import element, text
from tests.integration.edi.conftest import edi_settings


def _installation_id(live, fake):
    with live.container.uow_factory() as uow:
        return uow.installations.get_active_by_api_url(fake.api_url).id


@pytest.fixture
def staff(installed):
    fake, live, app = installed
    token = fake.issue_dashboard_token(app)
    session = requests.post(
        f"{live.url}/app/session", json={"token": token, "saleorApiUrl": fake.api_url}, timeout=5
    )
    context = session.json()["context"]

    def call(method, path, data=None):
        return requests.request(
            method,
            f"{live.url}{path}",
            headers={"X-Dashboard-Context": context},
            data=data,
            timeout=15,
        )

    return fake, live, call


def _edi_vendor(call):
    response = call(
        "POST",
        "/app/vendors/new",
        {"name": "Acme", "code": "ACME", "currency": "USD", "integration": "edi", "active": "1"},
    )
    assert response.status_code == 200, response.text
    return int(response.text.split('<tr id="vendor-', 1)[1].split('"', 1)[0])


def test_edi_settings_host_key_and_send_test(staff, sftp_server, engine):
    fake, live, call = staff
    vendor_id = _edi_vendor(call)
    page = f"/app/vendors/{vendor_id}/edi"
    assert text(call("GET", page).text, "no-documents") == "No EDI documents yet."

    bad = call("POST", page, {**edi_settings(sftp_server), "sender_id": "", "sftp_port": "99999"})
    assert bad.status_code == 400
    assert text(bad.text, "sftp_port-error") == "Use a port from 1 to 65535."
    assert text(bad.text, "sender_id-error") == "Use 1-15 letters, digits, spaces, '.', '_' or '-'."

    saved = call("POST", page, {**edi_settings(sftp_server), "documents_back": ["997", "856"]})
    assert saved.status_code == 200, [x for x in saved.text.split("\n") if "error" in x]
    assert text(saved.text, "notice") == "The EDI settings were saved."
    assert 'value="856" checked' in saved.text and 'value="855" checked' not in saved.text
    with engine.connect() as connection:
        stored = connection.execute(select(tables.edi_partners.c.sftp_password_encrypted)).scalar()
    assert stored and "secret" not in stored
    assert "Send test" not in saved.text  # no host key trusted yet

    checked = call("POST", f"{page}/host-key")
    assert text(checked.text, "presented-fingerprint") == sftp_server.fingerprint
    assert sftp_server.passwords_seen == []
    assert element(checked.text, "trust-key")
    trusted = call("POST", f"{page}/host-key/pin", {"fingerprint": sftp_server.fingerprint})
    assert text(trusted.text, "host-key") == f"Trusted host key: {sftp_server.fingerprint}"

    tested = call("POST", f"{page}/test")
    assert text(tested.text, "notice").startswith("Logged in as vendor, uploaded dropship-test-")
    assert sftp_server.files("inbound") == []  # the test file was removed again

    sftp_server.new_host_key()
    refused = call("POST", f"{page}/test")
    assert refused.status_code == 400
    assert "host key changed" in text(refused.text, "failure")
    again = call("POST", f"{page}/host-key")
    assert "not the trusted key" in text(again.text, "presented-key")


def test_the_log_shows_quarantined_files_and_the_raw_document(staff, sftp_server):
    fake, live, call = staff
    vendor_id = _edi_vendor(call)
    page = f"/app/vendors/{vendor_id}/edi"
    call("POST", page, edi_settings(sftp_server))
    call("POST", f"{page}/host-key/pin", {"fingerprint": sftp_server.fingerprint})
    sftp_server.put("outbound", "broken.edi", "ISA*not x12~")

    cases = live.container.use_cases
    report = cases.poll_edi_vendor(
        installation_id=_installation_id(live, fake), vendor_id=vendor_id
    )
    assert report.quarantined == 1

    shown = call("GET", page).text
    quarantined = next(line for line in shown.split("\n") if 'id="quarantined-' in line)
    assert "broken.edi" in quarantined and "does not start with an ISA segment" in quarantined
    document_id = shown.split('id="edi-document-', 1)[1].split('"', 1)[0]
    assert "Received" in text(shown, f"edi-document-{document_id}")
    raw = call("GET", f"{page}/documents/{document_id}")
    assert text(raw.text, "raw-document") == "ISA*not x12~"
    assert "does not start with an ISA segment" in text(raw.text, "document-error")
    other = call("GET", f"/app/vendors/{vendor_id + 1000}/edi/documents/{document_id}")
    assert other.status_code == 404
