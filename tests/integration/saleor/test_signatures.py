"""The verifier against real deliveries and a real dashboard token captured from Saleor 3.23.28."""

from __future__ import annotations

import base64
import json

import pytest

from app.adapters.saleor.signatures import SaleorSignatureVerifier
from app.errors import Unauthenticated
from app.services.ports import SignatureInvalid
from tests.conftest import CAPTURES

SIGNED = sorted(
    path.name
    for path in CAPTURES.glob("*.json")
    if json.loads(path.read_text()).get("verified") is True
    and "Saleor-Signature" in json.loads(path.read_text()).get("headers", {})
)
JWKS = json.loads((CAPTURES / "jwks.json").read_text())


def _capture(name: str) -> tuple[str, bytes]:
    data = json.loads((CAPTURES / name).read_text())
    return data["headers"]["Saleor-Signature"], base64.b64decode(data["body_base64"])


def test_there_are_signed_captures_to_check():
    assert len(SIGNED) >= 18


@pytest.mark.parametrize("name", SIGNED)
def test_real_delivery_verifies(name):
    signature, body = _capture(name)

    SaleorSignatureVerifier().verify_webhook(signature, body, JWKS)


@pytest.mark.parametrize("name", SIGNED)
@pytest.mark.parametrize("where", ["middle", "end"])
def test_real_delivery_with_one_byte_changed_is_rejected(name, where):
    signature, body = _capture(name)
    position = len(body) // 2 if where == "middle" else len(body) - 1
    tampered = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]

    with pytest.raises(SignatureInvalid):
        SaleorSignatureVerifier().verify_webhook(signature, tampered, JWKS)


def test_real_delivery_with_unknown_kid_is_rejected():
    signature, body = _capture("order_created.json")
    other_keys = {"keys": [dict(JWKS["keys"][0], kid="another-key")]}

    with pytest.raises(SignatureInvalid):
        SaleorSignatureVerifier().verify_webhook(signature, body, other_keys)


def _dashboard_token() -> tuple[str, dict]:
    data = json.loads((CAPTURES / "dashboard_token.json").read_text())
    return data["token"], data["decoded_claims"]


def test_real_dashboard_token_verifies_while_valid():
    token, claims = _dashboard_token()
    verifier = SaleorSignatureVerifier(clock=lambda: claims["exp"] - 60)

    verified = verifier.verify_dashboard_token(token, JWKS)

    assert (verified.email, verified.app_id, verified.issuer) == (
        "admin@example.com",
        "QXBwOjM=",
        "http://127.0.0.1:8000/graphql/",
    )
    assert verified.permissions == frozenset(
        {"MANAGE_PRODUCTS", "MANAGE_ORDERS", "HANDLE_PAYMENTS"}
    )


def test_real_dashboard_token_is_accepted_within_leeway_and_refused_after():
    token, claims = _dashboard_token()

    SaleorSignatureVerifier(
        leeway_seconds=30, clock=lambda: claims["exp"] + 29
    ).verify_dashboard_token(token, JWKS)
    with pytest.raises(Unauthenticated):
        SaleorSignatureVerifier(
            leeway_seconds=30, clock=lambda: claims["exp"] + 31
        ).verify_dashboard_token(token, JWKS)


def test_dashboard_token_with_changed_claims_is_rejected():
    token, claims = _dashboard_token()
    header, _, signature = token.split(".")
    forged_claims = dict(claims, permissions=["MANAGE_APPS"])
    payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()

    with pytest.raises(SignatureInvalid):
        SaleorSignatureVerifier(clock=lambda: claims["exp"] - 60).verify_dashboard_token(
            f"{header}.{payload}.{signature}", JWKS
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _own_key(kid: str = "k1"):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")  # noqa: E731
    jwk = {"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig"}
    jwk |= {"n": _b64(as_bytes(numbers.n)), "e": _b64(as_bytes(numbers.e))}
    return key, {"keys": [jwk]}


def _detached(key, body: bytes, **header) -> str:
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.hashes import SHA256

    fields = {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": "k1", "typ": "JWT"} | header
    encoded = _b64(json.dumps({k: v for k, v in fields.items() if v is not None}).encode())
    signature = key.sign(encoded.encode() + b"." + body, padding.PKCS1v15(), SHA256())
    return f"{encoded}..{_b64(signature)}"


def test_a_rotated_key_under_the_same_kid_is_used_not_the_cached_one():
    body = b'{"__typename": "OrderCreated"}'
    old_key, old_jwks = _own_key()
    new_key, new_jwks = _own_key()
    verifier = SaleorSignatureVerifier()
    verifier.verify_webhook(_detached(old_key, body), body, old_jwks)  # cached now

    verifier.verify_webhook(_detached(new_key, body), body, new_jwks)
    with pytest.raises(SignatureInvalid):
        verifier.verify_webhook(_detached(old_key, body), body, new_jwks)


@pytest.mark.parametrize(
    "header",
    [
        {"b64": None, "crit": None},  # an attached-payload JWS: the body would not be signed
        {"b64": True},
        {"crit": None},  # b64 false must be declared critical (RFC 7797)
        {"crit": ["b64", "exp"]},
        {"alg": "HS256"},
        {"alg": "none"},
    ],
)
def test_signatures_other_than_rs256_over_the_raw_body_are_refused(header):
    body = b'{"__typename": "OrderCreated"}'
    key, jwks = _own_key()

    with pytest.raises(SignatureInvalid):
        SaleorSignatureVerifier().verify_webhook(_detached(key, body, **header), body, jwks)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s.replace("..", "."),
        lambda s: s.replace("..", ".e30."),  # a payload segment in a detached signature
        lambda s: s + "!",
        lambda s: s.split("..")[0] + "..",
        lambda s: "eyJ!!" + s,
        lambda s: _b64(b"[1]") + ".." + s.split("..")[1],
        lambda s: (
            _b64(b'{"alg": "RS256", "b64": false, "crit": ["b64"], "kid": 7}')
            + ".."
            + s.split("..")[1]
        ),
    ],
)
def test_malformed_signatures_are_refused_not_errors(mangle):
    body = b'{"__typename": "OrderCreated"}'
    key, jwks = _own_key()

    with pytest.raises(SignatureInvalid):
        SaleorSignatureVerifier().verify_webhook(mangle(_detached(key, body)), body, jwks)
