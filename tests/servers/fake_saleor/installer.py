"""App installation as Saleor 3.23's install job does it: manifest GET, checks, token POST."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema

from .data import DataStore
from .http_client import BASE_HEADERS, NETWORK_ERRORS, HttpResponse, send
from .manifest import check_permissions, validate_manifest
from .models import INSTALL_CONNECT_ERROR, SCHEMA_VERSION, InstalledApp, InstallFailed
from .tokens import random_token

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MANIFEST_ATTEMPTS = 3  # Saleor retries the manifest GET twice on connection errors/timeouts


@dataclass
class InstallEnv:
    """What the installer needs from the running fake."""

    schema: GraphQLSchema
    store: DataStore
    domain: str
    api_url: str
    timeout: tuple[float, float]


def _get_manifest(url: str, timeout: tuple[float, float]) -> HttpResponse:
    headers = [*BASE_HEADERS, ("Saleor-Schema-Version", SCHEMA_VERSION)]
    error: Exception | None = None
    for _ in range(MANIFEST_ATTEMPTS):
        try:
            return send("GET", url, headers, timeout=timeout)
        except NETWORK_ERRORS as exc:
            error = exc
    raise InstallFailed(INSTALL_CONNECT_ERROR, code="MANIFEST_FETCH") from error


def fetch_manifest(url: str, timeout: tuple[float, float]) -> Any:
    """GET the manifest (no redirects); InstallFailed on network/HTTP/JSON problems."""
    response = _get_manifest(url, timeout)
    if response.status != 200:
        note = " (redirects are not followed)" if 300 <= response.status < 400 else ""
        raise InstallFailed(
            f"Unable to fetch manifest: HTTP {response.status}{note}.",
            status=response.status,
            code="MANIFEST_FETCH",
        )
    try:
        manifest = json.loads(response.body)
    except ValueError as exc:
        raise InstallFailed(
            "Incorrect structure of manifest (not JSON).", status=response.status, code="INVALID"
        ) from exc
    return manifest


def send_token(env: InstallEnv, url: str, token: str) -> None:
    """POST {"auth_token": token}; non-2xx or network error -> InstallFailed (Saleor's text)."""
    body = json.dumps({"auth_token": token}).encode("utf-8")
    headers = [
        *BASE_HEADERS,
        ("Content-Type", "application/json"),
        ("X-Saleor-Domain", env.domain),
        ("Saleor-Domain", env.domain),
        ("Saleor-Api-Url", env.api_url),
        ("Saleor-Schema-Version", SCHEMA_VERSION),
    ]
    try:
        response = send("POST", url, headers, body, timeout=env.timeout)
    except NETWORK_ERRORS as exc:
        raise InstallFailed(INSTALL_CONNECT_ERROR, code="REGISTER") from exc
    if 200 <= response.status < 300:
        return
    message = f"App internal error ({response.status}). Try later or contact with app support."
    try:
        error = json.loads(response.body).get("error") or {}
        if isinstance(error.get("message"), str):
            message = error["message"]
    except (ValueError, AttributeError):
        pass
    raise InstallFailed(message, status=response.status, code="REGISTER")


def check_logo(url: str, timeout: tuple[float, float]) -> str | None:
    """Saleor's async brand logo fetch: a square PNG of at least 256 px. Returns the problem."""
    try:
        response = send("GET", url, list(BASE_HEADERS), timeout=timeout)
    except NETWORK_ERRORS as exc:
        return f"logo fetch failed: {type(exc).__name__}: {exc}"
    content_type = response.header("Content-Type").split(";")[0].strip().lower()
    if response.status != 200:
        return f"logo fetch failed: HTTP {response.status}"
    if content_type != "image/png" or not response.body.startswith(PNG_SIGNATURE):
        return f"logo is not a PNG (content-type {content_type or 'missing'!r})"
    if len(response.body) < 24:
        return "logo PNG is truncated"
    width, height = struct.unpack(">II", response.body[16:24])
    if width != height or width < 256:
        return f"logo must be square and at least 256 px (got {width}x{height})"
    return None


def install(
    env: InstallEnv, manifest_url: str, permissions: list[str] | None, app_name: str
) -> InstalledApp:
    """Run the whole installation; the app is kept only if the token POST succeeded."""
    manifest = fetch_manifest(manifest_url, env.timeout)
    webhooks = validate_manifest(manifest, env.schema)
    granted = check_permissions(
        list(manifest.get("permissions") or []) if permissions is None else permissions, env.schema
    )
    if env.store.active_identifier_taken(manifest["id"]):
        raise InstallFailed("App with the same identifier is already installed", code="UNIQUE")
    token_url = manifest.get("tokenTargetUrl")
    app = InstalledApp(
        app_id=env.store.next_app_id(),
        token=random_token(30) if token_url else None,
        manifest=manifest,
        webhooks=webhooks,
        permissions=granted,
        name=app_name,
        identifier=manifest["id"],
        manifest_url=manifest_url,
        extensions=list(manifest.get("extensions") or []),
    )
    env.store.add_app(app)  # the app's register handler may call back with the token
    if token_url and app.token:
        try:
            send_token(env, token_url, app.token)
        except InstallFailed:
            env.store.remove_app(app)
            raise
    logo = ((manifest.get("brand") or {}).get("logo") or {}).get("default")
    if logo:
        app.logo_error = check_logo(str(logo), env.timeout)
        app.logo_url = None if app.logo_error else str(logo)
    return app
