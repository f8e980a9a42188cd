"""Saleor's signatures: detached JWS on webhooks (RFC 7797) and RS256 dashboard tokens."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from jwt import PyJWK

from app.errors import Unauthenticated
from app.services.ports import DashboardClaims, SignatureInvalid, UnknownSigningKey


def _key_for(token: str, jwks: Mapping[str, Any]) -> Any:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise SignatureInvalid("malformed signature") from None
    kid = header.get("kid")
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid:
            try:
                return PyJWK(dict(jwk)).key
            except jwt.PyJWTError:
                raise SignatureInvalid("unusable key in JWKS") from None
    raise UnknownSigningKey(f"unknown key id {kid!r}")


class SaleorSignatureVerifier:
    """Implements the SignatureVerifier and DashboardTokenVerifier ports with PyJWT."""

    def __init__(self, leeway_seconds: int = 30, clock: Callable[[], float] = time.time) -> None:
        self._leeway = leeway_seconds
        self._clock = clock

    def verify_webhook(self, signature: str, body: bytes, jwks: Mapping[str, Any]) -> None:
        """Check ``<b64 header>..<b64 signature>`` over the exact raw body bytes."""
        key = _key_for(signature, jwks)
        try:
            jwt.api_jws.decode_complete(
                signature, key=key, algorithms=["RS256"], detached_payload=body
            )
        except jwt.PyJWTError:
            raise SignatureInvalid("signature does not match the body") from None

    def verify_dashboard_token(self, token: str, jwks: Mapping[str, Any]) -> DashboardClaims:
        key = _key_for(token, jwks)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                options={
                    "require": ["exp", "iss", "app"],
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise SignatureInvalid("token signature does not verify") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"The dashboard token is not valid: {error}") from None
        if (
            not isinstance(claims["exp"], int | float)
            or claims["exp"] + self._leeway < self._clock()
        ):
            raise Unauthenticated("Your dashboard session expired: reload the page.")
        if claims.get("type") != "thirdparty":
            raise Unauthenticated("The token is not a dashboard token for an app.")
        return DashboardClaims(
            email=str(claims.get("email", "")),
            user_id=str(claims.get("user_id", "")),
            app_id=str(claims["app"]),
            issuer=str(claims["iss"]),
            permissions=frozenset(claims.get("permissions") or ()),
        )
