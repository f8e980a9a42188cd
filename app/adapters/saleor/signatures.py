"""Saleor's signatures: detached JWS on webhooks (RFC 7797) and RS256 dashboard tokens."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from jwt import PyJWK

from app.errors import Unauthenticated
from app.services.ports import DashboardClaims, SignatureInvalid, UnknownSigningKey

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_KEYS: dict[tuple[Any, ...], RSAPublicKey] = {}  # parsed JWKs: PyJWK is costly per request
_MAX_KEYS = 64


def _rsa_key(jwk: Mapping[str, Any]) -> RSAPublicKey:
    """The public key of a JWK, parsed once per process (per key material and algorithm)."""
    cache_key = (jwk.get("kty"), jwk.get("alg"), jwk.get("n"), jwk.get("e"))
    try:
        cached = _KEYS.get(cache_key)
    except TypeError:  # unhashable values: not a usable RSA key either
        raise SignatureInvalid("unusable key in JWKS") from None
    if cached is not None:
        return cached
    try:
        key = PyJWK(dict(jwk)).key
    except jwt.PyJWTError:
        raise SignatureInvalid("unusable key in JWKS") from None
    if not isinstance(key, RSAPublicKey):
        raise SignatureInvalid("the JWKS key is not an RSA key")
    if len(_KEYS) >= _MAX_KEYS:
        _KEYS.clear()
    _KEYS[cache_key] = key
    return key


def _key_by_id(kid: Any, jwks: Mapping[str, Any]) -> RSAPublicKey:
    for jwk in jwks.get("keys", []):
        if isinstance(jwk, Mapping) and jwk.get("kid") == kid:
            return _rsa_key(jwk)
    raise UnknownSigningKey(f"unknown key id {kid!r}")


def _key_for(token: str, jwks: Mapping[str, Any]) -> RSAPublicKey:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SignatureInvalid("malformed signature") from None
    return _key_by_id(header.get("kid"), jwks)


def _base64url(segment: str) -> bytes:
    if len(segment) % 4 == 1 or not _BASE64URL.fullmatch(segment):
        raise SignatureInvalid("malformed signature")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _detached_header(header_segment: str) -> dict[str, Any]:
    try:
        header = json.loads(_base64url(header_segment))
    except (ValueError, RecursionError):
        raise SignatureInvalid("malformed signature header") from None
    if not isinstance(header, dict):
        raise SignatureInvalid("malformed signature header")
    return header


def _check_detached_header(header: Mapping[str, Any]) -> None:
    """RFC 7797 as Saleor uses it: RS256, unencoded payload (``b64`` false and critical)."""
    if header.get("alg") != "RS256":
        raise SignatureInvalid("the signature's algorithm is not RS256")
    crit = header.get("crit")
    if header.get("b64") is not False or not isinstance(crit, list) or crit != ["b64"]:
        raise SignatureInvalid("not a detached signature over the raw body (b64: false)")


class SaleorSignatureVerifier:
    """Implements the SignatureVerifier and DashboardTokenVerifier ports with PyJWT."""

    def __init__(self, leeway_seconds: int = 30, clock: Callable[[], float] = time.time) -> None:
        self._leeway = leeway_seconds
        self._clock = clock

    def verify_webhook(self, signature: str, body: bytes, jwks: Mapping[str, Any]) -> None:
        """Check ``<b64 header>..<b64 signature>`` over the exact raw body bytes.

        The header is parsed once and the key object comes from a per-process cache; the RSA
        check itself is the cryptography library's, as in PyJWT (which parsed the header twice
        and checked the base64 alphabet character by character: most of this call's cost)."""
        header_segment, separator, signature_segment = signature.partition("..")
        if not separator or "." in signature_segment or not signature_segment:
            raise SignatureInvalid("malformed signature")
        header = _detached_header(header_segment)
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise SignatureInvalid("the signature names no key id")
        key = _key_by_id(kid, jwks)
        _check_detached_header(header)
        try:
            key.verify(
                _base64url(signature_segment),
                header_segment.encode("ascii") + b"." + body,
                padding.PKCS1v15(),
                SHA256(),
            )
        except InvalidSignature:
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
