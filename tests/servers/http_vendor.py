"""A vendor's system on loopback that receives POs as the docs/vendor-api.md asks receivers to:
it checks the timestamp (replay window) and the HMAC-SHA256 signature with the vendor's secret,
then answers as its script says, one step per signed request.

Script steps: ``Answer(200)``, ``Answer(500, "down")``, ``Answer(302, location=...)``, or
``Answer(200, delay=3)`` (answers only after 3 s: a client with a shorter timeout gives up).
When the script is empty it answers 200. A request that fails the check gets 401 and uses no
step. The signature is checked here with the standard library only, independently of the app.
With ``tls_name`` it serves https under a self-signed certificate for that name (``ca_file``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import shutil
import ssl
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"
REPLAY_WINDOW_SECONDS = 300


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = '{"received": true}'
    delay: float = 0.0
    location: str = ""


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    problem: str = ""

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.body)


def check_signature(
    secret: str, headers: dict[str, str], body: bytes, now: float | None = None
) -> str:
    """What is wrong with a request's signature ("" when it is the vendor's own)."""
    timestamp = headers.get("x-dropship-timestamp", "")
    given = headers.get("x-dropship-signature", "")
    if not timestamp.isdigit():
        return "no timestamp"
    if abs((now if now is not None else time.time()) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the replay window"
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    schemes = dict(part.split("=", 1) for part in given.split(",") if "=" in part)
    if not hmac.compare_digest(schemes.get("v1", ""), expected):
        return "bad signature"
    return ""


@dataclass
class HttpVendorServer:
    """Start with ``with HttpVendorServer(secret) as server:``; ``url`` is the endpoint."""

    secret: str = ""
    received: list[Received] = field(default_factory=list)
    port: int = 0
    tls_name: str = ""  # serve https with a self-signed certificate for this DNS name
    ca_file: str = ""  # that certificate, for the client to trust

    def __post_init__(self) -> None:
        self._script: deque[Answer] = deque()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._tls_folder: Path | None = None

    @property
    def url(self) -> str:
        if self.tls_name:
            return f"https://{self.tls_name}:{self.port}/purchase-orders"
        return f"http://{HOST}:{self.port}/purchase-orders"

    def script(self, *answers: Answer) -> None:
        self._script.extend(answers)

    def _next(self) -> Answer:
        return self._script.popleft() if self._script else Answer()

    def start(self) -> HttpVendorServer:
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                problem = check_signature(vendor.secret, headers, body)
                vendor.received.append(Received(self.path, headers, body, not problem, problem))
                answer = Answer(401, json.dumps({"error": problem})) if problem else vendor._next()
                if answer.delay and vendor._stopping.wait(answer.delay):
                    return
                data = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if answer.location:
                    self.send_header("Location", answer.location)
                self.end_headers()
                with contextlib.suppress(OSError):  # the client gave up (its timeout)
                    self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._stopping.clear()
        self._server = ThreadingHTTPServer((HOST, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        if self.tls_name:
            context = self._tls_context()
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def _tls_context(self) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.tls_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(self.tls_name)]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        folder = Path(tempfile.mkdtemp(prefix="http-vendor-tls-"))
        self._tls_folder = folder
        cert_file, key_file = folder / "cert.pem", folder / "key.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self.ca_file = str(cert_file)
        return context

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tls_folder is not None:
            shutil.rmtree(self._tls_folder, ignore_errors=True)
            self._tls_folder = None

    def __enter__(self) -> HttpVendorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
