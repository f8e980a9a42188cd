"""The fake Saleor against the real Saleor 3.23.28 recordings in shared/saleor/."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, redirect, request

from tests.servers.fake_saleor import (
    FakeSaleor,
    InstalledApp,
    InstallFailed,
    shared_saleor_dir,
    thumbprint,
    verify_detached_jws,
)
from tests.servers.fake_saleor.server import BackgroundServer

SHARED = shared_saleor_dir()
CAPTURED_APP_BASE = "http://127.0.0.1:3998"
CAPTURED_DOMAIN = "127.0.0.1:8000"
CAPTURED_API_URL = "http://127.0.0.1:8000/graphql/"
UNKNOWN_ORDER_ID = "T3JkZXI6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"


def capture(name: str) -> dict[str, Any]:
    return json.loads((SHARED / "captures" / name).read_text())


def recorded(name: str) -> dict[str, Any]:
    return json.loads((SHARED / "responses" / name).read_text())


def wire_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """Request headers in received order, names re-capitalised (werkzeug keeps the order)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        headers.append(("-".join(part.capitalize() for part in name.split("_")), value))
    return headers


class AppUnderTest:
    """A tiny Flask stand-in for the drop-ship app: manifest, register and webhook endpoints."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.manifest: dict[str, Any] = {}
        self.register_reply: tuple[int, str] = (200, '{"success": true}')
        self.webhook_statuses: list[int] = []
        self.logo: tuple[bytes, str] = (b"", "image/png")
        self.register_checks: list[Any] = []
        flask_app = Flask("app_under_test")
        flask_app.add_url_rule("/api/manifest", "manifest", self._manifest)
        flask_app.add_url_rule("/api/register", "register", self._register, methods=["POST"])
        flask_app.add_url_rule("/api/webhooks/<name>", "webhook", self._webhook, methods=["POST"])
        flask_app.add_url_rule("/api/redirect", "redirect", lambda: redirect("/api/manifest"))
        flask_app.add_url_rule("/logo.png", "logo", self._logo)
        self.server = BackgroundServer(flask_app)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def _record(self, kind: str) -> None:
        self.calls.append(
            {
                "kind": kind,
                "path": request.path,
                "headers": wire_headers(request.environ),
                "body": request.get_data(),
            }
        )

    def _manifest(self) -> Response:
        self._record("manifest")
        return Response(json.dumps(self.manifest), content_type="application/json")

    def _logo(self) -> Response:
        return Response(self.logo[0], content_type=self.logo[1])

    def _register(self) -> Response:
        """Like the SDK: prove the token with `{ app { id } }` and fetch the JWKS first."""
        self._record("register")
        api_url = request.headers["Saleor-Api-Url"]
        token = json.loads(request.get_data())["auth_token"]
        app_id = requests.post(
            api_url,
            json={"query": "{ app { id } }"},
            timeout=5,
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        jwks = requests.get(api_url.replace("/graphql/", "/.well-known/jwks.json"), timeout=5)
        self.register_checks.append((app_id["data"]["app"], jwks.json()))
        status, body = self.register_reply
        return Response(body, status=status, content_type="application/json")

    def _webhook(self, name: str) -> Response:
        self._record("webhook")
        status = self.webhook_statuses.pop(0) if self.webhook_statuses else 200
        return Response('{"ok": true}', status=status, content_type="application/json")

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["kind"] == kind]

    def use_captured_manifest(self, **overrides: Any) -> dict[str, Any]:
        """The manifest the capture app served, pointed at this server."""
        text = json.dumps(capture("manifest_fetch.json")["manifest_served"])
        self.manifest = {**json.loads(text.replace(CAPTURED_APP_BASE, self.base_url)), **overrides}
        return self.manifest


@pytest.fixture
def saleor() -> Iterator[FakeSaleor]:
    with FakeSaleor(retry_delays=(0.01, 0.01, 0.01, 0.01, 0.01)) as fake:
        yield fake


@pytest.fixture
def app_server() -> Iterator[AppUnderTest]:
    server = AppUnderTest()
    server.server.start()
    yield server
    server.server.stop()


@pytest.fixture
def installed(saleor: FakeSaleor, app_server: AppUnderTest) -> InstalledApp:
    app_server.use_captured_manifest()
    return saleor.install_app(
        f"{app_server.base_url}/api/manifest",
        permissions=["MANAGE_ORDERS", "MANAGE_PRODUCTS", "HANDLE_PAYMENTS"],
        app_name="Capture",
    )


def gql(
    saleor: FakeSaleor, query: str, variables: dict | None = None, token: str | None = None
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(
        saleor.api_url,
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=5,
    )


def captured_header_with_our_kid(token: str, saleor: FakeSaleor) -> str:
    """A captured JWS/JWT header segment re-encoded with the fake's kid (byte-exact JSON)."""
    segment = token.split(".")[0]
    header_json = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    captured_kid = json.loads(header_json)["kid"]
    ours = header_json.replace(captured_kid.encode(), saleor.jwks()["keys"][0]["kid"].encode())
    return base64.urlsafe_b64encode(ours).rstrip(b"=").decode()


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


# --- signatures and keys ----------------------------------------------------------------------


def test_signer_output_verifies_with_pyjwt_and_fails_with_one_byte_changed(saleor):
    body = b'{"issuedAt": "2026-11-29T00:38:28.546601+00:00", "order": {"id": "T3JkZXI6MQ=="}}'
    signature = saleor.sign(body)

    decoded = verify_detached_jws(signature, body, saleor.jwks())

    assert decoded["payload"] == body
    assert decoded["header"] == {
        "alg": "RS256",
        "b64": False,
        "crit": ["b64"],
        "kid": saleor.jwks()["keys"][0]["kid"],
        "typ": "JWT",
    }
    assert signature.split(".")[1] == ""
    captured_signature = capture("order_created.json")["headers"]["Saleor-Signature"]
    assert signature.split(".")[0] == captured_header_with_our_kid(captured_signature, saleor)
    for index in (0, len(body) // 2, len(body) - 1):
        with pytest.raises(jwt.InvalidSignatureError):
            verify_detached_jws(signature, flip_byte(body, index), saleor.jwks())


def test_real_captured_signature_verifies_with_the_same_helper():
    data = capture("order_created.json")
    body = base64.b64decode(data["body_base64"])
    jwks = json.loads((SHARED / "captures" / "jwks.json").read_text())

    decoded = verify_detached_jws(data["headers"]["Saleor-Signature"], body, jwks)

    assert decoded["header"] == data["verification"]["jws_header"]
    with pytest.raises(jwt.InvalidSignatureError):
        verify_detached_jws(data["headers"]["Saleor-Signature"], flip_byte(body, 1241), jwks)


def test_jwks_is_served_with_an_rfc7638_thumbprint_kid(saleor):
    served = requests.get(f"http://{saleor.domain}/.well-known/jwks.json", timeout=5).json()
    captured_key = json.loads((SHARED / "captures" / "jwks.json").read_text())["keys"][0]

    assert served == saleor.jwks()
    (key,) = served["keys"]
    assert list(key) == list(captured_key)
    assert {k: key[k] for k in ("kty", "key_ops", "e", "use", "alg")} == {
        k: captured_key[k] for k in ("kty", "key_ops", "e", "use", "alg")
    }
    assert key["kid"] == thumbprint(key)
    assert thumbprint(captured_key) == captured_key["kid"]


def test_rotate_key_serves_only_the_new_key(saleor):
    body = b'{"x": 1}'
    old_signature, old_kid = saleor.sign(body), saleor.jwks()["keys"][0]["kid"]

    saleor.rotate_key()

    (new_key,) = saleor.jwks()["keys"]
    assert new_key["kid"] != old_kid
    with pytest.raises(jwt.InvalidKeyError):
        verify_detached_jws(old_signature, body, saleor.jwks())
    verify_detached_jws(saleor.sign(body), body, saleor.jwks())


# --- GraphQL endpoint -------------------------------------------------------------------------


def test_validation_error_is_400_without_data_like_saleor(saleor):
    expected = recorded("graphql_validation_error.json")

    response = gql(saleor, expected["request"]["query"], expected["request"]["variables"])

    assert response.status_code == 400
    assert response.json() == expected["response"]


def test_syntax_error_is_400_graphql_syntax_error_like_saleor(saleor):
    expected = recorded("graphql_syntax_error.json")

    response = gql(saleor, expected["request"]["query"])

    assert response.status_code == 400
    assert response.json() == expected["response"]


def test_garbage_token_is_anonymous_with_permission_denied_like_saleor(saleor):
    expected = recorded("invalid_token.json")

    response = gql(saleor, expected["request"]["query"], token="not-a-real-token.garbage")

    assert response.status_code == 200
    assert response.json() == expected["response"]
    assert saleor.requests[-1].principal == "anonymous"


@pytest.mark.parametrize(
    ("fixture", "order_id"),
    [
        ("order_not_found.json", UNKNOWN_ORDER_ID),
        ("order_bad_id.json", "not-a-valid-id"),
        ("order_bad_id_wrong_type.json", "UHJvZHVjdFZhcmlhbnQ6MzYx"),
        ("order_bad_id_legacy_int.json", "T3JkZXI6MTIz"),
    ],
)
def test_order_ids_resolve_like_saleor(saleor, installed, fixture, order_id):
    expected = recorded(fixture)
    assert expected["request"]["variables"]["id"] == order_id

    response = gql(saleor, expected["request"]["query"], {"id": order_id}, installed.token)

    assert response.status_code == 200
    assert response.json() == expected["response"]


def test_app_query_returns_the_calling_app(saleor, installed):
    response = gql(saleor, "{ app { id name permissions { code } } }", token=installed.token)

    assert response.json()["data"]["app"] == {
        "id": installed.app_id,
        "name": "Capture",
        "permissions": [
            {"code": "HANDLE_PAYMENTS"},
            {"code": "MANAGE_ORDERS"},
            {"code": "MANAGE_PRODUCTS"},
        ],
    }
    call = saleor.requests[-1]
    assert (call.authorization, call.http_status, call.principal) == (
        f"Bearer {installed.token}",
        200,
        "app",
    )


def test_anonymous_reads_public_order_fields_but_private_ones_null_the_order(saleor):
    order = json.loads(capture("order_created.json")["body_text"])["order"]
    saleor.add_order(order)
    query = "query($id: ID!) { order(id: $id) { id number userEmail %s } }"

    public = gql(saleor, query % "metadata { key }", {"id": order["id"]}).json()
    private = gql(saleor, query % "privateMetadata { key }", {"id": order["id"]}).json()

    assert public["data"]["order"] == {
        "id": order["id"],
        "number": "21",
        "userEmail": "ada.buyer@example.com",
        "metadata": [],
    }
    assert private["data"] == {"order": None}
    assert [(e["message"], e["path"]) for e in private["errors"]] == [
        ("You do not have permission to perform this action", ["order", "privateMetadata"])
    ]


def test_fail_next_graphql_answers_html_then_recovers(saleor):
    saleor.fail_next_graphql(status=502, count=2)

    first, second = gql(saleor, "{ app { id } }"), gql(saleor, "{ app { id } }")
    third = gql(saleor, "{ app { id } }")

    assert [first.status_code, second.status_code, third.status_code] == [502, 502, 200]
    assert first.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        first.json()
    assert [c.http_status for c in saleor.requests] == [502, 502, 200]


# --- dashboard tokens -------------------------------------------------------------------------


def test_dashboard_token_claims_match_the_captured_shape(saleor, installed):
    token = saleor.issue_dashboard_token(
        installed, user_permissions=["MANAGE_ORDERS", "MANAGE_APPS"]
    )
    captured = capture("dashboard_token.json")

    key = jwt.PyJWK(saleor.jwks()["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"])

    assert list(claims) == list(captured["decoded_claims"])
    assert token.split(".")[0] == captured_header_with_our_kid(captured["token"], saleor)
    assert claims["exp"] - claims["iat"] == 300
    assert (claims["iss"], claims["app"], claims["type"], claims["owner"]) == (
        saleor.api_url,
        installed.app_id,
        "thirdparty",
        "saleor",
    )
    assert claims["permissions"] == ["MANAGE_ORDERS"]
    assert claims["user_permissions"] == ["MANAGE_ORDERS", "MANAGE_APPS"]
    assert len(claims["token"]) == 12


def test_forged_and_expired_dashboard_tokens_fail_like_saleor(saleor, installed):
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = saleor.issue_dashboard_token(installed, key_override=foreign)
    expired = saleor.issue_dashboard_token(installed, expires_in=-120)
    valid = saleor.issue_dashboard_token(installed)

    results = [gql(saleor, "{ app { id } }", token=t).json() for t in (forged, expired, valid)]

    codes = [[e["extensions"]["exception"]["code"] for e in r.get("errors", [])] for r in results]
    assert codes == [["InvalidSignatureError"], ["ExpiredSignatureError"], []]
    assert results[0]["errors"][0]["message"] == "Signature verification failed"
    assert results[1]["errors"][0]["message"] == "Signature has expired"
    assert results[2]["data"] == {"app": None}
    assert saleor.requests[-1].principal == "staff"


# --- installation -----------------------------------------------------------------------------


def test_install_app_sends_saleor_headers_and_body(saleor, app_server):
    app_server.use_captured_manifest()

    app = saleor.install_app(
        f"{app_server.base_url}/api/manifest", permissions=["MANAGE_ORDERS", "MANAGE_PRODUCTS"]
    )

    (manifest_get,) = app_server.of_kind("manifest")
    assert manifest_get["headers"] == [
        tuple(pair)
        for pair in capture("manifest_fetch.json")["capture"]["headers_in_received_order"]
    ]
    (register,) = app_server.of_kind("register")
    expected_headers = [
        (
            name,
            value.replace(CAPTURED_API_URL, saleor.api_url).replace(CAPTURED_DOMAIN, saleor.domain),
        )
        for name, value in capture("register.json")["capture"]["headers_in_received_order"]
    ]
    assert register["headers"] == expected_headers
    assert register["body"] == f'{{"auth_token": "{app.token}"}}'.encode()
    assert len(app.token) == 30 and app.token.isalnum()
    assert app_server.register_checks == [({"id": app.app_id}, saleor.jwks())]
    assert base64.b64decode(app.app_id).decode() == "App:1"
    assert app.permissions == ["MANAGE_ORDERS", "MANAGE_PRODUCTS"]
    assert [h["asyncEvents"] for h in app.webhooks] == [
        ["ORDER_CREATED"],
        ["ORDER_CONFIRMED"],
        ["ORDER_FULLY_PAID"],
        ["ORDER_CANCELLED"],
        ["ORDER_UPDATED"],
        ["FULFILLMENT_CREATED"],
        ["APP_DELETED"],
    ]


@pytest.mark.parametrize(
    ("permissions", "message_part"),
    [
        (["MANAGE_ORDERS", "MANAGE_APPS"], "MANAGE_APPS"),
        (["MANAGE_ORDERS", "MANAGE_EVERYTHING"], "MANAGE_EVERYTHING"),
    ],
)
def test_forbidden_or_unknown_manifest_permission_fails_install(
    saleor, app_server, permissions, message_part
):
    app_server.use_captured_manifest(permissions=permissions, extensions=[])

    with pytest.raises(InstallFailed) as failed:
        saleor.install_app(f"{app_server.base_url}/api/manifest")

    assert message_part in failed.value.message
    assert app_server.of_kind("register") == []
    assert saleor.store.apps == []


def test_refused_registration_message_is_the_apps_error_verbatim(saleor, app_server):
    app_server.use_captured_manifest()
    app_server.register_reply = (
        403,
        '{"error": {"message": "This Saleor is not allowed to install the app"}}',
    )
    url = f"{app_server.base_url}/api/manifest"

    with pytest.raises(InstallFailed) as refused:
        saleor.install_app(url)
    app_server.register_reply = (500, "<html>boom</html>")
    with pytest.raises(InstallFailed) as crashed:
        saleor.install_app(url)

    assert (refused.value.message, refused.value.status) == (
        "This Saleor is not allowed to install the app",
        403,
    )
    assert (crashed.value.message, crashed.value.status) == (
        "App internal error (500). Try later or contact with app support.",
        500,
    )
    assert saleor.store.apps == []
    token = json.loads(app_server.of_kind("register")[0]["body"])["auth_token"]
    assert gql(saleor, "{ app { id } }", token=token).json()["data"] == {"app": None}


def test_manifest_redirect_is_not_followed(saleor, app_server):
    app_server.use_captured_manifest()

    with pytest.raises(InstallFailed) as failed:
        saleor.install_app(f"{app_server.base_url}/api/redirect")

    assert failed.value.status == 302
    assert [call["kind"] for call in app_server.calls] == []
    assert saleor.store.apps == []


def png_header(width: int, height: int) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + b"IHDR" + ihdr + b"\0" * 4


@pytest.mark.parametrize(
    ("logo", "error_part"),
    [
        ((png_header(256, 256), "image/png"), None),
        ((png_header(256, 256), "image/jpeg"), "not a PNG"),
        ((b"GIF89a....", "image/png"), "not a PNG"),
        ((png_header(64, 64), "image/png"), "at least 256 px"),
    ],
)
def test_brand_logo_problems_are_recorded_but_do_not_block_install(
    saleor, app_server, logo, error_part
):
    app_server.logo = logo
    app_server.use_captured_manifest(brand={"logo": {"default": f"{app_server.base_url}/logo.png"}})

    app = saleor.install_app(f"{app_server.base_url}/api/manifest")

    assert app.is_active and saleor.store.apps == [app]
    if error_part is None:
        assert app.logo_error is None
    else:
        assert error_part in app.logo_error


def test_second_install_of_the_same_identifier_fails(saleor, app_server, installed):
    with pytest.raises(InstallFailed) as failed:
        saleor.install_app(f"{app_server.base_url}/api/manifest")

    assert failed.value.message == "App with the same identifier is already installed"


def test_invalid_subscription_and_unsupported_version_fail_install(saleor, app_server):
    manifest = app_server.use_captured_manifest()
    url = f"{app_server.base_url}/api/manifest"
    manifest["webhooks"][0]["query"] = "subscription { event { ... on OrderCreated { nope } } }"
    with pytest.raises(InstallFailed, match="Subscription query is not valid"):
        saleor.install_app(url)
    app_server.use_captured_manifest(requiredSaleorVersion=">=3.24")
    with pytest.raises(InstallFailed, match="not supported"):
        saleor.install_app(url)


# --- webhooks ---------------------------------------------------------------------------------


def test_webhook_reproduces_the_captured_order_created_bytes_and_headers(
    saleor, installed, app_server
):
    captured = capture("order_created.json")
    captured_event = json.loads(captured["body_text"])
    saleor.add_order(captured_event["order"])

    delivery = saleor.send_event(
        installed,
        "ORDER_CREATED",
        order_id=captured_event["order"]["id"],
        extra={"issuedAt": captured_event["issuedAt"], "recipient": captured_event["recipient"]},
    )

    assert delivery.delivered and delivery.attempts == [(200, "")]
    assert delivery.body == base64.b64decode(captured["body_base64"])
    (received,) = app_server.of_kind("webhook")
    assert received["body"] == delivery.body
    signature = delivery.headers["Saleor-Signature"]
    replacements = {
        captured["headers"]["Saleor-Signature"]: signature,
        CAPTURED_API_URL: saleor.api_url,
        CAPTURED_DOMAIN: saleor.domain,
    }
    expected = [
        (name, replacements.get(value, value))
        for name, value in captured["capture"]["headers_in_received_order"]
    ]
    assert received["headers"] == expected
    verify_detached_jws(signature, received["body"], saleor.jwks())


def test_app_deleted_goes_to_the_deleted_app_whose_token_turns_anonymous(saleor, installed):
    captured = json.loads(capture("app_deleted.json")["body_text"])

    delivery = saleor.delete_app(installed)

    assert delivery is not None and delivery.delivered
    body = json.loads(delivery.body)
    assert list(body) == list(captured)
    assert body["app"] == body["recipient"] == {"id": installed.app_id}
    assert body["issuingPrincipal"] == captured["issuingPrincipal"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", body["issuedAt"])
    assert body["version"] == captured["version"] == "3.23.28"
    assert delivery.headers["Saleor-Event"] == "app_deleted"
    response = gql(saleor, "{ app { id name } }", token=installed.token).json()
    assert response == recorded("deactivated_app_token.json")["response"]


def test_send_event_retries_5xx_with_identical_bytes_then_delivers(saleor, installed, app_server):
    app_server.webhook_statuses = [503, 503, 200]

    delivery = saleor.send_event(installed, "APP_DELETED", issuing_principal=None)

    assert delivery.attempts == [(503, ""), (503, ""), (200, "")]
    assert delivery.delivered
    bodies = {call["body"] for call in app_server.of_kind("webhook")}
    signatures = {
        dict(call["headers"])["Saleor-Signature"]
        for call in app_server.calls
        if call["kind"] == "webhook"
    }
    assert bodies == {delivery.body} and len(signatures) == 1
    assert json.loads(delivery.body)["issuingPrincipal"] is None


def test_send_event_gives_up_after_five_retries_and_never_retries_4xx(
    saleor, installed, app_server
):
    app_server.webhook_statuses = [503] * 6 + [400]

    exhausted = saleor.send_event(installed, "APP_DELETED")
    rejected = saleor.send_event(installed, "APP_DELETED")

    assert exhausted.attempts == [(503, "")] * 6 and not exhausted.delivered
    assert rejected.attempts == [(400, "")] and not rejected.delivered
    assert len(app_server.of_kind("webhook")) == 7


def test_send_event_retries_network_errors(saleor, installed, app_server):
    app_server.server.stop()
    started = time.monotonic()

    delivery = saleor.send_event(installed, "APP_DELETED")

    assert [status for status, _ in delivery.attempts] == [None] * 6
    assert all("ConnectionRefusedError" in text for _, text in delivery.attempts)
    assert not delivery.delivered
    assert time.monotonic() - started < 2
