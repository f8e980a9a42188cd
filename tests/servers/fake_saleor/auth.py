"""Who is calling: Authorization header -> Principal, and permission checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .data import DataStore
from .errors import PermissionDenied, SaleorError
from .keys import SigningKey
from .models import ADMIN_USER, InstalledApp
from .tokens import looks_like_saleor_jwt, verify_saleor_jwt

APP_TOKEN_LENGTH = 30


@dataclass(frozen=True)
class Principal:
    """The requestor: anonymous, an app (by token) or a staff user (by JWT)."""

    kind: str = "anonymous"
    permissions: frozenset[str] = frozenset()
    app: InstalledApp | None = None
    user: dict[str, Any] | None = None
    token_error: SaleorError | None = None

    def effective_permissions(self) -> frozenset[str]:
        """Permissions plus Saleor's AUTHENTICATED_APP / AUTHENTICATED_STAFF_USER markers."""
        extra = {"app": "AUTHENTICATED_APP", "staff": "AUTHENTICATED_STAFF_USER"}.get(self.kind)
        return self.permissions | {extra} if extra else self.permissions


ANONYMOUS = Principal()


def app_principal(app: InstalledApp) -> Principal:
    """The principal of requests made with `app`'s token (also used to run its webhooks)."""
    return Principal("app", frozenset(app.permissions), app=app)


@dataclass
class RequestContext:
    """`info.context` for resolvers."""

    principal: Principal
    store: DataStore
    api_url: str = ""
    extras: dict[str, Any] = field(default_factory=dict)


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("Authorization-Bearer")
    if value:
        return value.strip()
    prefix, _, token = (headers.get("Authorization") or "").strip().partition(" ")
    if prefix.upper() in ("BEARER", "JWT") and token.strip():
        return token.strip()
    return None


def principal_from_headers(
    headers: Mapping[str, str], store: DataStore, key: SigningKey
) -> Principal:
    """Saleor's rules: 30 chars -> app token; Saleor JWT -> staff; anything else anonymous."""
    token = _bearer(headers)
    if not token:
        return ANONYMOUS
    if len(token) == APP_TOKEN_LENGTH:
        app = store.active_app_by_token(token)
        return app_principal(app) if app else ANONYMOUS
    if not looks_like_saleor_jwt(token):
        return ANONYMOUS
    try:
        claims = verify_saleor_jwt(token, key)
    except SaleorError as exc:
        return Principal("invalid-token", token_error=exc)
    if claims.get("type") == "thirdparty":
        perms = claims.get("permissions") or []
    else:
        perms = claims.get("permissions") or claims.get("user_permissions") or []
    user = {
        **ADMIN_USER,
        "id": claims.get("user_id", ADMIN_USER["id"]),
        "email": claims.get("email", ADMIN_USER["email"]),
    }
    return Principal("staff", frozenset(perms), user=user)


OwnerCheck = Callable[[Any, Principal], bool]
OWNER_CHECKS: dict[str, OwnerCheck] = {
    "App": lambda parent, p: p.app is not None and _get(parent, "id") == p.app.app_id,
}


def _get(parent: Any, name: str) -> Any:
    return parent.get(name) if isinstance(parent, Mapping) else getattr(parent, name, None)


def require(
    ctx: RequestContext,
    permissions: Iterable[str],
    *,
    message: str | None = None,
    parent: Any = None,
    type_name: str = "",
) -> None:
    """Raise the token error or PermissionDenied unless the principal holds one permission."""
    principal = ctx.principal
    if principal.token_error is not None:
        raise principal.token_error
    wanted = tuple(permissions)
    if principal.effective_permissions() & set(wanted):
        return
    owner_check = OWNER_CHECKS.get(type_name)
    if "OWNER" in wanted and owner_check and owner_check(parent, principal):
        return
    raise PermissionDenied(message) if message else PermissionDenied.needing(wanted)


def require_principal(ctx: RequestContext) -> Principal:
    """Touch the principal: a bad/expired Saleor JWT fails here (like Saleor's lazy user)."""
    if ctx.principal.token_error is not None:
        raise ctx.principal.token_error
    return ctx.principal
