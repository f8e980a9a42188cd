"""What the services need from the outside world, as Protocols, and the errors they may raise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.errors import Permanent, Retryable


class SaleorUnavailable(Retryable):
    """Saleor could not be reached, timed out, or answered 5xx."""


class SaleorRefused(Permanent):
    """Saleor answered, but refused: GraphQL errors such as PermissionDenied."""

    def __init__(self, message: str, *, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


class SaleorMutationFailed(Permanent):
    """A mutation ran and returned business errors in its ``errors`` list."""

    def __init__(self, message: str, *, errors: tuple[Mapping[str, Any], ...]) -> None:
        super().__init__(message)
        self.errors = errors


class SignatureInvalid(Exception):
    """The signature does not verify against the given keys (or names an unknown key)."""


class SaleorApi(Protocol):
    """Calls to one Saleor, authenticated with the app's token."""

    def fetch_app_id(self) -> str: ...

    def fetch_order(self, order_id: str) -> Mapping[str, Any] | None: ...


class SaleorGateway(Protocol):
    """Opens a SaleorApi for an installation; fetches public keys."""

    def api(self, api_url: str, token: str) -> SaleorApi: ...

    def fetch_jwks(self, api_url: str) -> dict[str, Any]: ...


class SignatureVerifier(Protocol):
    """Checks Saleor's detached JWS webhook signatures."""

    def verify_webhook(self, signature: str, body: bytes, jwks: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class DashboardClaims:
    """The verified claims of a dashboard user's token."""

    email: str
    user_id: str
    app_id: str
    issuer: str
    permissions: frozenset[str]


class DashboardTokenVerifier(Protocol):
    """Checks a dashboard JWT's signature and expiry; raises SignatureInvalid or Unauthenticated."""

    def verify_dashboard_token(self, token: str, jwks: Mapping[str, Any]) -> DashboardClaims: ...


class TaskQueue(Protocol):
    """Hands work to the background worker."""

    def enqueue_delivery(self, delivery_id: int) -> None: ...
