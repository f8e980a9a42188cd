"""Plain data types and constants shared by the fake Saleor modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SALEOR_VERSION = "3.23.28"
SCHEMA_VERSION = "3.23"
USER_AGENT = f"Saleor/{SCHEMA_VERSION}"
# The admin user of the recorded instance (captures/order_created.json, dashboard_token.json).
ADMIN_USER: dict[str, Any] = {
    "__typename": "User",
    "id": "VXNlcjoyMQ==",
    "email": "admin@example.com",
    "isStaff": True,
    "isActive": True,
}
INSTALL_CONNECT_ERROR = "Failed to connect to app. Try later or contact with app support."


@dataclass(eq=False)
class InstalledApp:
    """An app installed in the fake Saleor (one row of Saleor's App table)."""

    app_id: str
    token: str | None
    manifest: dict[str, Any]
    webhooks: list[dict[str, Any]]
    permissions: list[str]
    is_active: bool = True
    removed: bool = False
    name: str = ""
    identifier: str = ""
    manifest_url: str = ""
    extensions: list[dict[str, Any]] = field(default_factory=list)
    logo_error: str | None = None
    logo_url: str | None = None

    @property
    def audience(self) -> str | None:
        """The manifest's `audience` (becomes the `aud` claim of dashboard tokens)."""
        return self.manifest.get("audience")


@dataclass
class WebhookDelivery:
    """One webhook delivery with all its HTTP attempts (retries resend identical bytes)."""

    event: str
    target_url: str
    body: bytes
    headers: dict[str, str]
    attempts: list[tuple[int | None, str]] = field(default_factory=list)
    delivered: bool = False
    last_response_body: bytes | None = None


@dataclass
class GraphQLCall:
    """One request received by the fake GraphQL endpoint."""

    operation_name: str | None
    query: str | None
    variables: dict[str, Any] | None
    authorization: str | None
    http_status: int
    response: dict[str, Any] | None
    principal: str = "anonymous"
    headers: dict[str, str] = field(default_factory=dict)


class InstallFailed(Exception):
    """Installation failed; `message` is what Saleor stores on the failed AppInstallation."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
