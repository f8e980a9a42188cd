"""Mailer over SMTP (smtplib): TLS, login, attachments, and failures sorted into retry or fix.

Every failure becomes ``MailUnavailable`` (the server could not be reached, timed out or answered
4xx: retrying may help) or ``MailRejected`` (refused login, addresses or message, or a setting that
cannot work, such as STARTTLS required but not offered: the merchant must fix something first).
Messages name what to fix and never contain the password.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from app.services.ports import MailRejected, MailUnavailable, OutgoingEmail, SmtpSettings

SECURITY_MODES = ("ssl", "starttls", "none")


class SmtpMailer:
    """Sends one message per SMTP session; ``ssl_context`` defaults to the system's CAs."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        private_hosts_allowed: bool = False,
        trusted_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._local_hostname = local_hostname
        self._now = now
        self._private_hosts_allowed = private_hosts_allowed
        self._trusted_hosts = trusted_hosts

    def send(self, email: OutgoingEmail, smtp: SmtpSettings) -> None:
        """Deliver ``email``; the envelope sender is ``smtp.sender`` (else the From address)."""
        if smtp.security not in SECURITY_MODES:
            raise MailRejected(
                f'Unknown SMTP security "{smtp.security}": choose SSL, STARTTLS or none '
                "in Settings."
            )
        try:
            message = build_message(email, self._now())
        except ValueError as error:
            raise MailRejected(
                f"The email could not be written ({error}): check the addresses in Settings "
                "and on the vendor."
            ) from None
        envelope_from = parseaddr(smtp.sender or email.sender)[1]
        recipients = [*email.to, *email.cc]
        try:
            with self._session(smtp) as client:
                refused = client.send_message(message, envelope_from, recipients)
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error, smtp) from None
        if refused:
            raise MailRejected(
                f"The mail server refused {_refusals(refused)}; the other recipients received "
                "the message. Check the vendor's email addresses."
            )

    @contextmanager
    def _session(self, smtp: SmtpSettings) -> Iterator[smtplib.SMTP]:
        """Connected, secured and logged in; always closed (QUIT when the server still listens)."""
        client = self._connect(smtp)
        server = f"{smtp.host}:{smtp.port}"
        try:
            client.ehlo_or_helo_if_needed()
            if smtp.security == "starttls":
                if not client.has_extn("starttls"):
                    raise MailRejected(
                        f"The SMTP server at {server} does not offer STARTTLS: choose SSL "
                        '(usually port 465), or "none" only on a trusted network, in Settings.'
                    )
                client.starttls(context=self._ssl_context)
                client.ehlo()
            if smtp.username:
                if not client.has_extn("auth"):
                    raise MailRejected(
                        f"The SMTP server at {server} does not offer login: clear the user name "
                        "or change the security setting in Settings."
                    )
                client.login(smtp.username, smtp.password)
            yield client
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _connect(self, smtp: SmtpSettings) -> smtplib.SMTP:
        """Connect and read the greeting, within the settings' timeout (as is every later read).

        A merchant's host must resolve to public addresses only (unless the deployment allows
        private ones, or it is the deployment's own SMTP_HOST); the connection goes to the very
        address that was checked, so a DNS answer cannot change in between. TLS still checks the
        certificate against the host name."""
        address = self._checked_address(smtp)
        client: _PinnedSMTP | _PinnedSMTPSSL
        if smtp.security == "ssl":
            client = _PinnedSMTPSSL(
                local_hostname=self._local_hostname,
                timeout=smtp.timeout_seconds,
                context=self._ssl_context,
            )
        else:
            client = _PinnedSMTP(local_hostname=self._local_hostname, timeout=smtp.timeout_seconds)
        client.pinned_address = address
        client._host = smtp.host  # what TLS checks the certificate against (smtplib sets it
        # in __init__ only when connecting there)
        client.connect(smtp.host, smtp.port)
        return client

    def _checked_address(self, smtp: SmtpSettings) -> str | None:
        if self._private_hosts_allowed or smtp.host in self._trusted_hosts:
            return None
        try:
            infos = socket.getaddrinfo(smtp.host, smtp.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return None  # the connection fails the usual way ("could not connect")
        addresses = [str(info[4][0]) for info in infos]
        if any(not ipaddress.ip_address(a.split("%", 1)[0]).is_global for a in addresses):
            raise MailRejected(
                f"The SMTP server {smtp.host} resolves to a private, loopback or link-local "
                "address, which this app does not connect to: enter your mail provider's public "
                "host name in Settings."
            )
        return addresses[0]


class _PinnedSMTP(smtplib.SMTP):
    """Connects to ``pinned_address`` (when set) while speaking to ``host`` (EHLO, TLS)."""

    pinned_address: str | None = None
    _host: str

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        target = self.pinned_address or host
        sock: socket.socket = super()._get_socket(target, port, timeout)  # type: ignore[misc]
        return sock


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    """As _PinnedSMTP; the certificate is still checked against ``host``."""

    pinned_address: str | None = None
    _host: str

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        target = self.pinned_address or host
        sock: socket.socket = super()._get_socket(target, port, timeout)  # type: ignore[misc]
        return sock


def build_message(email: OutgoingEmail, now: datetime) -> EmailMessage:
    """The MIME message: text body, optional HTML alternative, then the attachments."""
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    if email.cc:
        message["Cc"] = ", ".join(email.cc)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = email.message_id
    message.set_content(email.text_body)
    if email.html_body is not None:
        message.add_alternative(email.html_body, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def classify(error: OSError, smtp: SmtpSettings) -> MailUnavailable | MailRejected:
    """Sort an smtplib or socket failure into retry (4xx, network) or fix (5xx, settings)."""
    server = f"{smtp.host}:{smtp.port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        if _temporary(error.smtp_code):
            return MailUnavailable(
                f"The SMTP server at {server} could not check the login just now; retry later."
            )
        return MailRejected(
            "The SMTP server refused the login: check the user name and password in Settings."
        )
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code == 530:
        return MailRejected(
            f"The SMTP server at {server} requires a login: enter the user name and password "
            "in Settings."
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = f"The mail server refused {_refusals(error.recipients)}"
        if all(_temporary(code) for code, _ in error.recipients.values()):
            return MailUnavailable(f"{text}; it will be tried again.")
        return MailRejected(f"{text}: check the vendor's email addresses.")
    if isinstance(error, smtplib.SMTPSenderRefused):
        text = f"The mail server refused the sender {error.sender} ({_reply(error)})"
        if _temporary(error.smtp_code):
            return MailUnavailable(f"{text}; it will be tried again.")
        return MailRejected(f"{text}: check the sender address in Settings.")
    if isinstance(error, smtplib.SMTPResponseException):
        if _temporary(error.smtp_code):
            return MailUnavailable(
                f"The SMTP server at {server} answered {_reply(error)}; it will be tried again."
            )
        return MailRejected(
            f"The SMTP server at {server} refused the message ({_reply(error)}): "
            "check the addresses and the size of the attachments."
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return MailRejected(f"The SMTP server at {server} cannot take this message: {error}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        if isinstance(error.__context__, TimeoutError):
            return _timed_out(server, smtp)
        return MailUnavailable(
            f"The SMTP server at {server} closed the connection; it will be tried again."
        )
    return _network(error, server, smtp)


def _network(error: OSError, server: str, smtp: SmtpSettings) -> MailUnavailable | MailRejected:
    if isinstance(error, TimeoutError):
        return _timed_out(server, smtp)
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailRejected(
            f"The SMTP server at {server} has a TLS certificate that is not valid "
            f"({error.verify_message}): check the host name in Settings."
        )
    if isinstance(error, ssl.SSLError):
        return MailRejected(
            f"The TLS handshake with the SMTP server at {server} failed: check the port and "
            "the security setting in Settings (SSL is usually port 465, STARTTLS port 587)."
        )
    if isinstance(error, socket.gaierror):
        return MailUnavailable(
            f'The SMTP host "{smtp.host}" could not be found (DNS): check the host name in '
            "Settings; it will be tried again."
        )
    reason = (error.strerror or type(error).__name__).lower()
    return MailUnavailable(
        f"Could not connect to the SMTP server at {server} ({reason}): check the host and "
        "port in Settings; it will be tried again."
    )


def _timed_out(server: str, smtp: SmtpSettings) -> MailUnavailable:
    return MailUnavailable(
        f"The SMTP server at {server} did not answer within {smtp.timeout_seconds:g} seconds; "
        "it will be tried again."
    )


def _temporary(code: int) -> bool:
    return 400 <= code < 500


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{error.smtp_code} {' '.join(str(text).split())}"[:200]


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(
        f"{address} ({_reply(smtplib.SMTPResponseException(code, text))})"
        for address, (code, text) in refused.items()
    )
