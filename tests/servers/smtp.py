"""A loopback SMTP server (aiosmtpd in a thread) that captures messages, with failure switches.

Switches, settable between sends: ``require_auth(user, password)``, ``refuse_recipients``
(a regex: matching RCPT TO get 550), ``fail_data_temporarily`` (DATA gets 451); one-shot faults
for the next N messages: ``refuse_next(n)`` (451 to DATA), ``drop_next(n, accepted=False)`` (the
connection is cut after the data arrived, before the reply; with ``accepted`` the message was
kept first, so the client cannot know it got through). TLS: pass
``starttls=True`` (offers STARTTLS) or ``implicit_tls=True`` (TLS from the first byte) and
trust ``client_tls_context()``. ``offer_auth=False``: no AUTH offered before TLS.
``stop()`` leaves the port closed: the server is unreachable.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
import ssl
import tempfile
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.services.ports import SmtpSettings

HOST = "127.0.0.1"


@dataclass(frozen=True)
class CapturedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage  # parsed with line ends as "\n", as a mailbox stores it
    raw: bytes
    authenticated_as: str | None
    tls: bool


class SmtpServer:
    """Start with ``with SmtpServer() as server:`` or ``start()``/``stop()``."""

    def __init__(
        self, *, starttls: bool = False, implicit_tls: bool = False, offer_auth: bool = True
    ) -> None:
        self.messages: list[CapturedMessage] = []
        self.refuse_recipients: str | None = None
        self.fail_data_temporarily = False
        self.port = 0
        self._faults: list[str] = []
        self._credentials: tuple[str, str] | None = None
        self._cert_pem = b""
        self._running = False
        tls = _server_tls_context(self) if starttls or implicit_tls else None
        self._controller = _EphemeralController(
            self,
            tls_context=tls if starttls else None,
            implicit=tls if implicit_tls else None,
            offer_auth=offer_auth,
        )

    def require_auth(self, username: str, password: str) -> None:
        """MAIL FROM gets 530 until the client logs in with these credentials."""
        self._credentials = (username, password)

    def refuse_next(self, count: int = 1) -> None:
        """The next ``count`` messages get 451 to DATA (a temporary refusal)."""
        self._faults.extend(["refuse"] * count)

    def drop_next(self, count: int = 1, *, accepted: bool = False) -> None:
        """The next ``count`` connections are cut at the end of DATA, before the reply."""
        self._faults.extend(["drop-accepted" if accepted else "drop"] * count)

    def settings(self, **changes: Any) -> SmtpSettings:
        """SmtpSettings pointing here: plain SMTP, sender orders@shop.example, 5 s timeout."""
        base = SmtpSettings(
            host=HOST, port=self.port, sender="orders@shop.example", security="none"
        )
        return replace(base, **{"timeout_seconds": 5.0, **changes})

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate only."""
        return ssl.create_default_context(cadata=self._cert_pem.decode())

    def start(self) -> SmtpServer:
        self._controller.start()
        self._running = True
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        """Stop serving; the port stays closed, so clients get "connection refused"."""
        if self._running:
            self._running = False
            self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # aiosmtpd handler hooks (called in the server's thread)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self._credentials is None:
            return AuthResult(success=False, handled=False)
        login = (data.login.decode(), data.password.decode())
        if login != self._credentials:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=login[0])

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._credentials is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_recipients and re.search(self.refuse_recipients, address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        fault = self._faults.pop(0) if self._faults else None
        if self.fail_data_temporarily or fault == "refuse":
            return "451 4.3.0 Temporary local problem, try again later"
        if fault == "drop":
            return _cut(server)
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        assert isinstance(message, EmailMessage)
        user = session.auth_data if session.authenticated else None
        tls = server.transport is not None and bool(server.transport.get_extra_info("ssl_object"))
        self.messages.append(
            CapturedMessage(
                envelope.mail_from or "", tuple(envelope.rcpt_tos), message, raw, user, tls
            )
        )
        if fault == "drop-accepted":
            return _cut(server)
        return "250 2.0.0 OK: queued"


def _cut(server: SMTP) -> str:
    """Drop the connection (no reply reaches the client); the returned reply goes nowhere."""
    if server.transport is not None:
        server.transport.abort()
    return "421 4.4.2 Connection dropped"


class _EphemeralController(Controller):
    """A Controller bound to an ephemeral port, with TLS either implicit or by STARTTLS."""

    def __init__(
        self,
        server: SmtpServer,
        tls_context: ssl.SSLContext | None,
        implicit: ssl.SSLContext | None,
        offer_auth: bool,
    ) -> None:
        super().__init__(
            server,
            hostname=HOST,
            port=0,
            ssl_context=implicit,
            server_hostname="smtp.test",
            tls_context=tls_context,
            authenticator=server.authenticate,
            # Before TLS, aiosmtpd offers AUTH only when it does not require TLS for it.
            auth_require_tls=not offer_auth,
        )

    def factory(self) -> SMTP:
        return SMTP(self.handler, loop=self.loop, **self.SMTP_kwargs)

    def _create_server(self) -> Any:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


def _server_tls_context(owner: SmtpServer) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    owner._cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(owner._cert_pem)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    return context
