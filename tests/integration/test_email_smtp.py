"""SmtpMailer against a real loopback SMTP server (aiosmtpd).

Decision: STARTTLS required but not offered is ``MailRejected`` (permanent): the setting cannot
work with that server, so retrying would only repeat the failure; the message says what to change.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.adapters.email_smtp import SmtpMailer
from app.services.ports import Attachment, MailRejected, MailUnavailable, OutgoingEmail
from tests.servers.smtp import SmtpServer

pytest_plugins = ["tests.servers.smtp_fixtures"]

NOW = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
PASSWORD = "s3cret-Pa55word"
PDF = b"%PDF-1.7\n\x00\xff\xfe binary \r\n bytes\n%%EOF"
CSV = "po_number,product\r\n21-1,Müller Hemd\r\n".encode()


def make_email(**changes: object) -> OutgoingEmail:
    email = {
        "sender": "Polygon Shop <orders@shop.example>",
        "to": ("orders@vendor.example", "backup@vendor.example"),
        "cc": ("buyer@shop.example",),
        "reply_to": "merchant@shop.example",
        "subject": "Purchase order 21-1 für Müller",
        "text_body": "Please ship PO 21-1.\n",
        "message_id": "<po-1-7-r1@dropship.example>",
        "attachments": (
            Attachment("PO-21-1.pdf", "application/pdf", PDF),
            Attachment("PO-21-1.csv", "text/csv", CSV),
        ),
    }
    email.update(changes)
    return OutgoingEmail(**email)  # type: ignore[arg-type]


@pytest.fixture
def mailer() -> SmtpMailer:
    return SmtpMailer(local_hostname="dropship.test", now=lambda: NOW, private_hosts_allowed=True)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections but never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_send_delivers_headers_bodies_and_attachments_intact(smtp_server, mailer):
    mailer.send(make_email(html_body="<p>Please ship PO 21-1.</p>"), smtp_server.settings())

    [captured] = smtp_server.messages
    message = captured.message
    assert captured.mail_from == "orders@shop.example"
    assert captured.rcpt_tos == (
        "orders@vendor.example",
        "backup@vendor.example",
        "buyer@shop.example",
    )
    assert captured.tls is False
    assert {name: str(message[name]) for name in message} == {
        "From": "Polygon Shop <orders@shop.example>",
        "To": "orders@vendor.example, backup@vendor.example",
        "Cc": "buyer@shop.example",
        "Reply-To": "merchant@shop.example",
        "Subject": "Purchase order 21-1 für Müller",
        "Date": "Sun, 29 Nov 2026 08:30:00 +0000",
        "Message-ID": "<po-1-7-r1@dropship.example>",
        "MIME-Version": "1.0",
        "Content-Type": message["Content-Type"],
    }
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content() == "Please ship PO 21-1.\n"
    assert message.get_body(("html",)).get_content() == "<p>Please ship PO 21-1.</p>\n"
    assert [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ] == [("PO-21-1.pdf", "application/pdf", PDF), ("PO-21-1.csv", "text/csv", CSV)]


def test_send_without_html_or_attachments_is_a_plain_text_message(smtp_server, mailer):
    email = make_email(cc=(), reply_to=None, attachments=())

    mailer.send(email, smtp_server.settings())

    [captured] = smtp_server.messages
    assert captured.message.get_content_type() == "text/plain"
    assert captured.message.get_content() == "Please ship PO 21-1.\n"
    assert captured.message["Cc"] is None
    assert captured.message["Reply-To"] is None


def test_login_with_the_right_password_sends(smtp_server, mailer):
    smtp_server.require_auth("mailer", PASSWORD)

    mailer.send(make_email(), smtp_server.settings(username="mailer", password=PASSWORD))

    [captured] = smtp_server.messages
    assert captured.authenticated_as == "mailer"


def test_wrong_password_is_rejected_without_revealing_it(smtp_server, mailer, caplog):
    smtp_server.require_auth("mailer", PASSWORD)
    caplog.set_level(logging.DEBUG)
    wrong = "wr0ng-Pa55word"

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), smtp_server.settings(username="mailer", password=wrong))

    assert raised.value.message == (
        "The SMTP server refused the login: check the user name and password in Settings."
    )
    assert raised.value.__cause__ is None
    chain = f"{raised.value!r} {raised.value.__context__!r}"
    assert wrong not in chain
    assert wrong not in caplog.text
    assert smtp_server.messages == []


def test_missing_login_on_a_server_that_requires_one_is_rejected(smtp_server, mailer):
    smtp_server.require_auth("mailer", PASSWORD)
    settings = smtp_server.settings()

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), settings)

    assert raised.value.message == (
        f"The SMTP server at 127.0.0.1:{settings.port} requires a login: enter the user name "
        "and password in Settings."
    )
    assert smtp_server.messages == []


def test_refused_recipient_is_rejected(smtp_server, mailer):
    smtp_server.refuse_recipients = r"^nobody@"

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(to=("nobody@vendor.example",), cc=()), smtp_server.settings())

    assert raised.value.message == (
        "The mail server refused nobody@vendor.example (550 5.1.1 <nobody@vendor.example>: "
        "Recipient address rejected: User unknown): check the vendor's email addresses."
    )
    assert smtp_server.messages == []


def test_one_refused_recipient_among_several_is_rejected_after_the_others_receive_it(
    smtp_server, mailer
):
    smtp_server.refuse_recipients = r"^backup@"

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), smtp_server.settings())

    assert raised.value.message == (
        "The mail server refused backup@vendor.example (550 5.1.1 <backup@vendor.example>: "
        "Recipient address rejected: User unknown); the other recipients received the message. "
        "Check the vendor's email addresses."
    )
    [captured] = smtp_server.messages
    assert captured.rcpt_tos == ("orders@vendor.example", "buyer@shop.example")


def test_temporary_failure_at_data_is_unavailable(smtp_server, mailer):
    smtp_server.fail_data_temporarily = True
    settings = smtp_server.settings()

    with pytest.raises(MailUnavailable) as raised:
        mailer.send(make_email(), settings)

    assert raised.value.message == (
        f"The SMTP server at 127.0.0.1:{settings.port} answered 451 4.3.0 Temporary local "
        "problem, try again later; it will be tried again."
    )
    assert smtp_server.messages == []


def test_stopped_server_is_unavailable_at_once(smtp_server, mailer):
    settings = smtp_server.settings()
    smtp_server.stop()
    started = time.monotonic()

    with pytest.raises(MailUnavailable) as raised:
        mailer.send(make_email(), settings)

    assert time.monotonic() - started < 1.0
    assert raised.value.message == (
        f"Could not connect to the SMTP server at 127.0.0.1:{settings.port} (connection "
        "refused): check the host and port in Settings; it will be tried again."
    )


def test_silent_server_times_out_within_the_configured_timeout(smtp_server, silent_port, mailer):
    settings = smtp_server.settings(port=silent_port, timeout_seconds=0.3)
    started = time.monotonic()

    with pytest.raises(MailUnavailable) as raised:
        mailer.send(make_email(), settings)

    assert 0.25 <= time.monotonic() - started < 1.5
    assert raised.value.message == (
        f"The SMTP server at 127.0.0.1:{silent_port} did not answer within 0.3 seconds; "
        "it will be tried again."
    )


def test_unknown_host_is_unavailable(smtp_server, mailer):
    settings = smtp_server.settings(host="smtp.invalid")

    with pytest.raises(MailUnavailable) as raised:
        mailer.send(make_email(), settings)

    assert raised.value.message == (
        'The SMTP host "smtp.invalid" could not be found (DNS): check the host name in '
        "Settings; it will be tried again."
    )


def test_starttls_required_but_not_offered_is_rejected(smtp_server, mailer):
    settings = smtp_server.settings(security="starttls")

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), settings)

    assert raised.value.message == (
        f"The SMTP server at 127.0.0.1:{settings.port} does not offer STARTTLS: choose SSL "
        '(usually port 465), or "none" only on a trusted network, in Settings.'
    )
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("security", "server_options"),
    [("starttls", {"starttls": True}), ("ssl", {"implicit_tls": True})],
    ids=["starttls_case", "implicit_tls_case"],
)
def test_tls_sessions_deliver_over_tls(security, server_options):
    with SmtpServer(**server_options) as server:
        server.require_auth("mailer", PASSWORD)
        mailer = SmtpMailer(
            ssl_context=server.client_tls_context(), now=lambda: NOW, private_hosts_allowed=True
        )
        settings = server.settings(security=security, username="mailer", password=PASSWORD)

        mailer.send(make_email(), settings)

        [captured] = server.messages
    assert captured.tls is True
    assert captured.authenticated_as == "mailer"
    assert captured.message["Message-ID"] == "<po-1-7-r1@dropship.example>"


def test_untrusted_certificate_is_rejected():
    with SmtpServer(starttls=True) as server:
        with pytest.raises(MailRejected) as raised:
            SmtpMailer(private_hosts_allowed=True).send(
                make_email(), server.settings(security="starttls")
            )

        assert server.messages == []
    assert raised.value.message.startswith(
        f"The SMTP server at 127.0.0.1:{server.port} has a TLS certificate that is not valid ("
    )
    assert raised.value.message.endswith("): check the host name in Settings.")


def test_ssl_against_a_plain_server_is_rejected(smtp_server, mailer):
    settings = smtp_server.settings(security="ssl")

    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), settings)

    assert raised.value.message == (
        f"The TLS handshake with the SMTP server at 127.0.0.1:{settings.port} failed: check the "
        "port and the security setting in Settings (SSL is usually port 465, STARTTLS port 587)."
    )


def test_login_on_a_server_without_auth_is_rejected(mailer):
    with SmtpServer(offer_auth=False) as server:
        settings = server.settings(username="mailer", password=PASSWORD)

        with pytest.raises(MailRejected) as raised:
            mailer.send(make_email(), settings)

        assert server.messages == []
    assert raised.value.message == (
        f"The SMTP server at 127.0.0.1:{settings.port} does not offer login: clear the user "
        "name or change the security setting in Settings."
    )


def test_header_with_a_line_break_is_rejected_before_connecting(smtp_server, mailer):
    with pytest.raises(MailRejected) as raised:
        mailer.send(
            make_email(reply_to="a@shop.example\nBcc: x@evil.example"), smtp_server.settings()
        )

    assert raised.value.message == (
        "The email could not be written (Header values may not contain linefeed or carriage "
        "return characters): check the addresses in Settings and on the vendor."
    )
    assert smtp_server.messages == []


def test_unknown_security_setting_is_rejected_before_connecting(smtp_server, mailer):
    with pytest.raises(MailRejected) as raised:
        mailer.send(make_email(), smtp_server.settings(security="tls"))

    assert raised.value.message == (
        'Unknown SMTP security "tls": choose SSL, STARTTLS or none in Settings.'
    )


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1"],
    ids=[
        "loopback_case",
        "localhost_case",
        "private_case",
        "private_192_case",
        "metadata_case",
        "ipv6_loopback_case",
    ],
)
def test_private_smtp_hosts_are_refused_without_connecting(smtp_server, host):
    settings = smtp_server.settings(host=host)

    with pytest.raises(MailRejected) as refused:
        SmtpMailer(now=lambda: NOW).send(make_email(), settings)

    assert str(refused.value.message).startswith(f"The SMTP server {host} resolves to a private")
    assert smtp_server.messages == []


def test_the_deployments_own_smtp_host_and_an_allowing_deployment_may_be_private(smtp_server):
    settings = smtp_server.settings()

    SmtpMailer(now=lambda: NOW, trusted_hosts=frozenset({"127.0.0.1"})).send(make_email(), settings)
    SmtpMailer(now=lambda: NOW, private_hosts_allowed=True).send(make_email(), settings)

    assert len(smtp_server.messages) == 2
