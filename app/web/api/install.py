"""Installation: the manifest Saleor fetches and the endpoint it posts the app token to."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.errors import Invalid
from app.web import container

blueprint = Blueprint("install", __name__)


@blueprint.get("/api/manifest")
def manifest() -> ResponseReturnValue:
    return jsonify(container().served_manifest())


@blueprint.post("/api/register")
def register() -> ResponseReturnValue:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid("The body must be JSON with auth_token.")
    parts = container()
    parts.use_cases.register_installation(
        api_url=request.headers.get("Saleor-Api-Url", ""),
        token=str(payload.get("auth_token") or ""),
        allowed_api_urls=parts.settings.allowed_saleor_api_urls,
    )
    return jsonify({"success": True})
