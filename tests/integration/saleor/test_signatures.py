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
