"""Dashboard users: verify Saleor's token once, then carry the app's own signed context.

Cookies inside the dashboard's iframe are third-party and often blocked, so after the first
verified request every follow-up carries a short-lived context signed with SECRET_KEY, in the
``X-Dashboard-Context`` header or a ``context`` form field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.domain.installations import InstallationId
from app.errors import NotAllowed, Unauthenticated
from app.services.dashboard_users import DashboardUser
from app.web import container, use_cases

F = TypeVar("F", bound=Callable[..., Any])
_SALT = "dashboard-context"


def _serializer() -> URLSafeTimedSerializer:
    """Signs with the first SECRET_KEY; contexts signed with any listed key stay valid
    until they expire (itsdangerous signs with the last key of its list, checks all)."""
    keys = list(reversed(container().settings.secret_keys))
    return URLSafeTimedSerializer(keys, salt=_SALT)


def issue_context(user: DashboardUser) -> str:
    data = asdict(user)
    data["permissions"] = sorted(user.permissions)
    return _serializer().dumps(data)


def _load_context(value: str) -> DashboardUser:
    max_age = container().settings.dashboard_context_ttl_seconds
    try:
        data = _serializer().loads(value, max_age=max_age)
    except SignatureExpired:
        raise Unauthenticated("This page has been open too long: reload it.") from None
    except BadSignature:
        raise Unauthenticated("Open this page from the Saleor dashboard.") from None
    user = DashboardUser(
        installation_id=InstallationId(int(data["installation_id"])),
        saleor_api_url=str(data["saleor_api_url"]),
        email=str(data["email"]),
        user_id=str(data["user_id"]),
        permissions=frozenset(data["permissions"]),
    )
    use_cases().active_installation(installation_id=user.installation_id)
    return user


def verify_dashboard_token(api_url: str, token: str, permission: str) -> DashboardUser:
    user: DashboardUser = use_cases().authenticate_dashboard_user(
        api_url=api_url,
        token=token,
        required_permission=permission,
        jwks_refetch_seconds=container().settings.jwks_refetch_interval_seconds,
    )
    return user


def current_user() -> DashboardUser:
    return cast(DashboardUser, g.dashboard_user)


def require_dashboard_token(permission: str) -> Callable[[F], F]:
    """For the dashboard's POST: ``accessToken`` and ``saleorApiUrl`` in the form."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.dashboard_user = verify_dashboard_token(
                request.form.get("saleorApiUrl", ""),
                request.form.get("accessToken", ""),
                permission,
            )
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def require_dashboard_context(permission: str) -> Callable[[F], F]:
    """For follow-up requests inside the iframe, signed by the app after a verified token."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = request.headers.get("X-Dashboard-Context") or request.form.get("context", "")
            user = _load_context(value)
            if permission not in user.permissions:
                raise NotAllowed(f"You need the {permission} permission for this action.")
            g.dashboard_user = user
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator
