"""Dashboard ("thirdparty") JWTs: issuing them like Saleor and checking Bearer JWTs."""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Sequence
from typing import Any

import jwt

from .errors import SaleorError
from .keys import SigningKey

_TOKEN_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int) -> str:
    """Random alphanumerics (app tokens are 30, the user's jwt_token_key 12)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(length))


def dashboard_claims(
    *,
    api_url: str,
    app_id: str,
    app_permissions: Sequence[str],
    email: str,
    user_id: str,
    user_permissions: Sequence[str],
    expires_in: int,
    app_extension: str | None = None,
    audience: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Claims in Saleor's order (captures/dashboard_token.json); permissions = app ∩ user."""
    iat = int(time.time()) if now is None else now
    user_set = set(user_permissions)
    claims: dict[str, Any] = {
        "iat": iat,
        "owner": "saleor",
        "iss": api_url,
        "exp": iat + expires_in,
        "token": random_token(12),
        "email": email,
        "type": "thirdparty",
        "user_id": user_id,
        "is_staff": True,
        "app": app_id,
        "permissions": [p for p in app_permissions if p in user_set],
        "user_permissions": list(user_permissions),
    }
    if audience:
        claims["aud"] = audience
    if app_extension:
        claims["app_extension"] = app_extension
    return claims


def sign_dashboard_token(
    claims: dict[str, Any], key: SigningKey, signer: SigningKey | None = None
) -> str:
    """RS256 JWT; `signer` forges it with another key while keeping the real kid."""
    return (signer or key).sign_jwt(claims, kid=key.kid)


def looks_like_saleor_jwt(token: str) -> bool:
    """Saleor only verifies Bearer JWTs whose unverified payload has owner "saleor"."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return isinstance(payload, dict) and payload.get("owner") == "saleor"


def verify_saleor_jwt(token: str, key: SigningKey) -> dict[str, Any]:
    """Verify signature and exp; failures become SaleorError with PyJWT's class name as code."""
    try:
        return jwt.decode(
            token, key.private_key.public_key(), algorithms=["RS256"], options={"verify_aud": False}
        )
    except jwt.ExpiredSignatureError as exc:
        raise SaleorError("Signature has expired", code="ExpiredSignatureError") from exc
    except jwt.InvalidSignatureError as exc:
        raise SaleorError("Signature verification failed", code="InvalidSignatureError") from exc
    except jwt.PyJWTError as exc:
        raise SaleorError(str(exc), code=type(exc).__name__) from exc
