"""Vendor portal links: a secret token per PO (or per vendor, for the vendor's account page)
that opens a page without a login, until it expires or the merchant revokes it (issue 15).

The token is 256 random bits (URL-safe base64, 43 characters); only its SHA-256 is looked up,
so a copy of the database opens no page. Rules here are pure: the caller brings the random
bytes and the clock.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import DomainValidationError

TOKEN_BYTES = 32
DEFAULT_LINK_DAYS = 60
MAX_LINK_DAYS = 365
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


class PortalLinkKind(StrEnum):
    PO = "po"  # one purchase order
    VENDOR = "vendor"  # the vendor's open POs of this shop


def token_from_bytes(random_bytes: bytes) -> str:
    """The link's secret, from ``TOKEN_BYTES`` random bytes (``secrets.token_bytes``)."""
    if len(random_bytes) != TOKEN_BYTES:
        raise ValueError(f"a portal token needs {TOKEN_BYTES} random bytes")
    return base64.urlsafe_b64encode(random_bytes).decode("ascii").rstrip("=")


def is_token_shaped(raw: str) -> bool:
    """A string that could be a token (checked before any lookup; anything else is refused)."""
    return bool(_TOKEN.match(raw))


def token_hash(token: str) -> str:
    """What is stored and looked up: the hex SHA-256 of the token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def clean_link_days(raw: object) -> int:
    """The shop's link lifetime in days (Settings): a whole number from 1 to 365."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LINK_DAYS:
        raise DomainValidationError(
            {"portal_link_days": f"Enter a number of days from 1 to {MAX_LINK_DAYS}."}
        )
    return int(text)


@dataclass
class PortalLink:
    """One issued link. ``purchase_order_id`` is set for a PO link, ``vendor_id`` for both
    (a PO link's vendor is the PO's)."""

    kind: PortalLinkKind
    vendor_id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    purchase_order_id: int | None = None
    revoked_at: datetime | None = None
    id: int | None = None

    @classmethod
    def issue(
        cls,
        kind: PortalLinkKind,
        token: str,
        *,
        vendor_id: int,
        purchase_order_id: int | None,
        now: datetime,
        days: int,
    ) -> PortalLink:
        if (kind is PortalLinkKind.PO) != (purchase_order_id is not None):
            raise ValueError("a PO link names its PO; a vendor link names none")
        return cls(
            kind=kind,
            vendor_id=vendor_id,
            purchase_order_id=purchase_order_id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )

    def is_usable(self, now: datetime) -> bool:
        """Opens its page: not revoked and not expired."""
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now


def portal_path(kind: PortalLinkKind, token: str) -> str:
    """The link's path under APP_URL."""
    return f"/portal/{token}" if kind is PortalLinkKind.PO else f"/portal/v/{token}"
