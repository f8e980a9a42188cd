"""A shop (Saleor instance) that installed the app: the tenant every record belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

InstallationId = NewType("InstallationId", int)
SaleorApiUrl = NewType("SaleorApiUrl", str)

_API_URL = re.compile(r"^https?://[^/\s?#]+(/[^\s?#]*)?/graphql/$")


class InstallationStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


@dataclass
class Installation:
    """The credentials and keys of one Saleor that installed the app."""

    saleor_api_url: SaleorApiUrl
    app_id: str
    token: str
    jwks: dict[str, Any]
    id: InstallationId | None = None
    status: InstallationStatus = InstallationStatus.ACTIVE
    installed_at: datetime | None = None
    removed_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_active(self) -> bool:
        return self.status is InstallationStatus.ACTIVE


def is_well_formed_api_url(url: str) -> bool:
    """True for an absolute http(s) URL of a Saleor GraphQL endpoint (ends with ``/graphql/``)."""
    return bool(_API_URL.match(url))


def jwks_url(api_url: str) -> str:
    """Saleor serves its signing keys at ``<scheme>://<host>/.well-known/jwks.json``."""
    scheme, rest = api_url.split("://", 1)
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/.well-known/jwks.json"
