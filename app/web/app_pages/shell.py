"""The app's own page (NAVIGATION_ORDERS) and the public pages the manifest links to.

The page is a shell: AppBridge hands it the token, it trades it for a signed context and then
loads every tab (app_pages.vendors, app_pages.settings) with fetch, sending the context in the
``X-Dashboard-Context`` header and swapping the answer into ``#app-body``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from app.errors import Invalid
from app.services.ports import SaleorApi
from app.web import use_cases
from app.web.auth import current_user, issue_context, verify_dashboard_token

blueprint = Blueprint("app_pages", __name__)


@blueprint.get("/app", strict_slashes=False)
def app_page() -> ResponseReturnValue:
    """The shell: AppBridge hands it the token, which it trades for a signed context.

    It is the appUrl (opened from Extensions) and the NAVIGATION_ORDERS APP_PAGE, whose
    manifest URL "/" the dashboard joins to appUrl: url-join drops the slash before the query,
    so the dashboard asks for /app?..., and /app/ answers too.
    """
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


def current_saleor_api() -> SaleorApi:
    """Saleor's API with the app's own token, for the shop of the signed-in dashboard user."""
    api: SaleorApi = use_cases().installation_saleor_api(
        installation_id=current_user().installation_id
    )
    return api


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
