"""Installation: the manifest Saleor fetches and the endpoint it posts the app token to."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.adapters.saleor.manifest import build_manifest
from app.errors import Invalid
from app.services.installations import register_installation
from app.web import container

blueprint = Blueprint("install", __name__)


@cache
def _manifest(manifest_path: str, webhooks_dir: str, app_url: str) -> dict[str, object]:
    from pathlib import Path

    return build_manifest(Path(manifest_path), Path(webhooks_dir), app_url)


@blueprint.get("/api/manifest")
def manifest() -> ResponseReturnValue:
    settings = container().settings
    return jsonify(
        _manifest(str(settings.manifest_path), str(settings.webhooks_dir), settings.app_url)
    )


@blueprint.post("/api/register")
def register() -> ResponseReturnValue:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid("The body must be JSON with auth_token.")
    parts = container()
    register_installation(
        parts.uow_factory,
        parts.saleor,
        api_url=request.headers.get("Saleor-Api-Url", ""),
        token=str(payload.get("auth_token") or ""),
        allowed_api_urls=parts.settings.allowed_saleor_api_urls,
    )
    return jsonify({"success": True})
