"""POSTs to HTTP vendors' endpoints with requests: one try per call (the dispatch retries),
bounded timeouts, redirects never followed, the answer read up to ``MAX_ANSWER_BYTES``.

A host must resolve to public addresses only, unless the deployment allows private ones
(ALLOW_PRIVATE_HTTP_HOSTS); the request then goes to the very address that was checked, so a
DNS answer cannot change in between (TLS still checks the certificate against the host name).
No proxy, .netrc or other environment setting applies.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from app.services.http_ports import (
    MAX_ANSWER_BYTES,
    HttpAnswer,
    VendorRefused,
    VendorUnavailable,
)
from app.services.outbound import RETRY_PROMISE

CONNECT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Target:
    """Where the request goes: the URL (with the checked address in place of the host when
    pinned), the Host header, and the name TLS checks the certificate against."""

    url: str
    host_header: str | None = None
    server_hostname: str | None = None


def pinned_target(url: str, address: str) -> Target:
    """``url`` sent to ``address`` with the original host in the Host header and for TLS."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(pinned, host_header, host if parts.scheme == "https" else None)


class _PinnedHostAdapter(HTTPAdapter):
    """TLS to a pinned address: SNI and the certificate check use the real host name."""

    def __init__(self, server_hostname: str) -> None:
        self._server_hostname = server_hostname
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs.update(
            server_hostname=self._server_hostname, assert_hostname=self._server_hostname
        )
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


class RequestsPoster:
    """Implements the HttpPoster port."""

    def __init__(self, *, private_hosts_allowed: bool = False, ca_bundle: str = "") -> None:
        self._private_hosts_allowed = private_hosts_allowed
        self._verify: str | bool = ca_bundle or True  # tests trust their own certificate

    def target(self, url: str) -> Target:
        """The request's target; raises ``VendorRefused`` for a host that resolves to a
        loopback, private or link-local address (unless allowed) and ``VendorUnavailable``
        when the name does not resolve."""
        if self._private_hosts_allowed:
            return Target(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise VendorUnavailable(
                f"The vendor's host {host} cannot be resolved{RETRY_PROMISE}"
            ) from None
        addresses = [str(info[4][0]) for info in infos]
        if any(not ipaddress.ip_address(a.split("%", 1)[0]).is_global for a in addresses):
            raise VendorRefused(
                f"The vendor's host {host} resolves to a private, loopback or link-local "
                "address, which this app does not post to."
            )
        return pinned_target(url, addresses[0])

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> HttpAnswer:
        target = self.target(url)
        host = urlsplit(url).hostname or ""
        sent_headers = dict(headers)
        if target.host_header:
            sent_headers["Host"] = target.host_header
        with requests.Session() as session:
            session.trust_env = False  # no proxies, no .netrc credentials
            if target.server_hostname:
                session.mount("https://", _PinnedHostAdapter(target.server_hostname))
            else:
                session.mount("https://", HTTPAdapter(max_retries=0))
            session.mount("http://", HTTPAdapter(max_retries=0))
            try:
                response = session.post(
                    target.url,
                    data=body,
                    headers=sent_headers,
                    timeout=(min(CONNECT_TIMEOUT_SECONDS, timeout_seconds), timeout_seconds),
                    allow_redirects=False,
                    stream=True,
                    verify=self._verify,
                )
            except requests.exceptions.SSLError:
                raise VendorRefused(
                    f"The TLS certificate of {host} could not be verified: the vendor must fix"
                    " it (or the URL is wrong)."
                ) from None
            except requests.exceptions.Timeout:
                raise VendorUnavailable(
                    f"The vendor's endpoint did not answer within {timeout_seconds:g} seconds"
                    f"{RETRY_PROMISE}"
                ) from None
            except requests.exceptions.RequestException:
                raise VendorUnavailable(
                    f"The vendor's endpoint at {host} cannot be reached{RETRY_PROMISE}"
                ) from None
            with response:
                return HttpAnswer(
                    status=response.status_code,
                    body=_start_of_body(response),
                    location=response.headers.get("Location", "")[:300],
                )


def _start_of_body(response: requests.Response) -> bytes:
    """At most ``MAX_ANSWER_BYTES`` of the answer; what cannot be read in time is left out."""
    try:
        data = response.raw.read(MAX_ANSWER_BYTES, decode_content=True)
    except (urllib3.exceptions.HTTPError, OSError):
        return b""
    return bytes(data or b"")[:MAX_ANSWER_BYTES]
