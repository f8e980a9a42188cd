"""Outgoing HTTP exactly as Saleor sends it: header order, no redirects, split timeouts."""

from __future__ import annotations

import gzip
import http.client
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from .models import USER_AGENT

# What requests (inside Saleor) puts first, in this order.
BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("User-Agent", USER_AGENT),
    ("Accept-Encoding", "gzip, deflate"),
    ("Accept", "*/*"),
    ("Connection", "keep-alive"),
)
NETWORK_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class HttpResponse:
    """Status, headers (last value wins) and the decoded body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        """Case-insensitive header lookup ("" when absent)."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


def _decode(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def send(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None = None,
    *,
    timeout: tuple[float, float] = (2.0, 18.0),
) -> HttpResponse:
    """One request; Content-Length then Host (the bare IP/host, no port, as Saleor sends it).

    Raises NETWORK_ERRORS on connection problems and timeouts. Redirects are returned as is.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"unsupported URL {url!r}")
    conn_cls: type[http.client.HTTPConnection] = http.client.HTTPConnection
    if parts.scheme == "https":
        conn_cls = http.client.HTTPSConnection
    conn = conn_cls(parts.hostname, parts.port, timeout=timeout[0])
    try:
        conn.connect()
        if conn.sock is not None:
            conn.sock.settimeout(timeout[1])
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Host", parts.hostname)
        conn.endheaders(body)
        response = conn.getresponse()
        raw = response.read()
        response_headers = dict(response.getheaders())
    finally:
        conn.close()
    result = HttpResponse(response.status, response_headers, raw)
    return HttpResponse(
        result.status, result.headers, _decode(raw, result.header("Content-Encoding"))
    )
