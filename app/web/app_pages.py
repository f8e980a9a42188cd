"""The app's own page (NAVIGATION_ORDERS) and the public pages the manifest links to."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from app.errors import Invalid
from app.web.auth import (
    current_user,
    issue_context,
    require_dashboard_context,
    verify_dashboard_token,
)

blueprint = Blueprint("app_pages", __name__)


@blueprint.get("/app")
def app_page() -> ResponseReturnValue:
    """The shell: AppBridge hands it the token, which it trades for a signed context."""
    return render_template("app_pages/app.html")


@blueprint.post("/app/session")
def open_session() -> ResponseReturnValue:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid("Send JSON with token and saleorApiUrl.")
    user = verify_dashboard_token(
        str(payload.get("saleorApiUrl", "")), str(payload.get("token", "")), "MANAGE_ORDERS"
    )
    return jsonify({"context": issue_context(user), "email": user.email})


@blueprint.get("/app/home")
@require_dashboard_context("MANAGE_ORDERS")
def home() -> ResponseReturnValue:
    return render_template("app_pages/home.html", user=current_user())


@blueprint.get("/")
def homepage() -> ResponseReturnValue:
    return render_template("app_pages/public.html", title="Saleor Drop-ship", page="home")


@blueprint.get("/privacy")
def privacy() -> ResponseReturnValue:
    return render_template("app_pages/public.html", title="Data privacy", page="privacy")


@blueprint.get("/support")
def support() -> ResponseReturnValue:
    return render_template("app_pages/public.html", title="Support", page="support")


@blueprint.get("/healthz")
def health() -> ResponseReturnValue:
    return jsonify({"ok": True})
