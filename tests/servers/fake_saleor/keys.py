"""RSA signing keys, the JWKS document and Saleor's detached JWS webhook signatures."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_to_b64url(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an RSA key: Saleor's `kid`."""
    members = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class SigningKey:
    """A private RSA key with its public JWK and RFC 7638 kid."""

    private_key: rsa.RSAPrivateKey
    jwk: dict[str, Any]
    kid: str

    @classmethod
    def from_private_key(cls, private_key: rsa.RSAPrivateKey) -> SigningKey:
        """Wrap an existing key (e.g. a foreign key to forge tokens with)."""
        numbers = private_key.public_key().public_numbers()
        n, e = _int_to_b64url(numbers.n), _int_to_b64url(numbers.e)
        kid = thumbprint({"kty": "RSA", "n": n, "e": e})
        jwk = {
            "kty": "RSA",
            "key_ops": ["verify"],
            "n": n,
            "e": e,
            "use": "sig",
            "kid": kid,
            "alg": "RS256",
        }
        return cls(private_key, jwk, kid)

    @classmethod
    def generate(cls) -> SigningKey:
        """A fresh 2048-bit key."""
        return cls.from_private_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def sign_detached(self, body: bytes) -> str:
        """`<b64url(header)>..<b64url(sig)>`: RS256 JWS, RFC 7797 unencoded detached payload."""
        header = {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": self.kid, "typ": "JWT"}
        header_b64 = b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
        signing_input = header_b64.encode("ascii") + b"." + body
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header_b64}..{b64url(signature)}"

    def sign_jwt(self, claims: dict[str, Any], kid: str | None = None) -> str:
        """Compact RS256 JWT with header {alg, kid, typ} (PyJWT sorts the header keys)."""
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid}
        )


@lru_cache(maxsize=1)
def process_key() -> SigningKey:
    """One key per process so that every FakeSaleor starts fast."""
    return SigningKey.generate()


def jwks_document(keys: list[SigningKey]) -> dict[str, Any]:
    """The `/.well-known/jwks.json` body."""
    return {"keys": [dict(key.jwk) for key in keys]}


def verify_detached_jws(signature: str, body: bytes, jwks: dict[str, Any]) -> dict[str, Any]:
    """Verify a Saleor-Signature over raw `body` with the JWKS key named by its kid (PyJWT)."""
    header = jwt.get_unverified_header(signature)
    matching = [k for k in jwks["keys"] if k.get("kid") == header.get("kid")]
    if not matching:
        raise jwt.InvalidKeyError(f"no key with kid {header.get('kid')!r} in the JWKS")
    key = jwt.PyJWK(matching[0]).key
    return jwt.api_jws.decode_complete(
        signature, key=key, algorithms=["RS256"], detached_payload=body
    )
