"""The port HTTP vendors' POs go out through (implemented in app/adapters/http_vendor.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from app.errors import Permanent, Retryable

MAX_ANSWER_BYTES = 4096  # of the vendor's answer: enough for an error message, never more


class VendorUnavailable(Retryable):
    """The vendor's endpoint could not be reached or timed out: try again later."""


class VendorRefused(Permanent):
    """The endpoint cannot be posted to (a private host, a bad TLS certificate)."""


@dataclass(frozen=True)
class HttpAnswer:
    """The vendor's answer: its status, the start of its body (at most ``MAX_ANSWER_BYTES``),
    and where a redirect pointed (redirects are never followed)."""

    status: int
    body: bytes = b""
    location: str = ""


class HttpPoster(Protocol):
    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float
    ) -> HttpAnswer:
        """POST ``body`` once. Raises ``VendorUnavailable`` for timeouts and connection errors,
        ``VendorRefused`` for hosts the deployment does not post to and TLS failures."""
        ...
