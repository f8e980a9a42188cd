"""Vendor API keys: ``dsk_<key id>_<secret>``, shown once, stored as the secret's SHA-256.

The key id is public (it finds the stored key and shows on the vendor page); the secret is 256
random bits, so a plain SHA-256 is enough to make a leaked table useless (no slow hash needed:
nothing to brute-force). A vendor has at most one active key; rotating revokes the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from app.domain.installations import InstallationId

KEY_PREFIX = "dsk"
_KEY = re.compile(r"dsk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_PRESENTED_LENGTH = 200  # anything longer is not a key: refused before any work


def new_api_key() -> tuple[str, str]:
    """A fresh (key id, secret): 48 random bits of id, 256 of secret."""
    return secrets.token_hex(6), secrets.token_urlsafe(32)


def format_api_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def parse_api_key(presented: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    if len(presented) > MAX_PRESENTED_LENGTH:
        return None
    match = _KEY.fullmatch(presented.strip())
    return (match.group(1), match.group(2)) if match else None


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    """Constant-time comparison of the presented secret's digest with the stored one."""
    return hmac.compare_digest(secret_digest(secret), digest)


@dataclass(frozen=True)
class VendorApiKey:
    """A stored key: never the secret, only its digest."""

    installation_id: InstallationId
    vendor_id: int
    key_id: str
    secret_sha256: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def hint(self) -> str:
        """What the vendor page shows of a key after it was shown once."""
        return f"{KEY_PREFIX}_{self.key_id}_…"


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: ``plaintext`` exists only in this answer (shown once)."""

    key: VendorApiKey
    plaintext: str


@dataclass(frozen=True)
class VendorCaller:
    """Who an authenticated API request comes from: one vendor of one shop."""

    installation_id: InstallationId
    vendor_id: int
    key_id: str
