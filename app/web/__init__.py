"""Blueprints and error handlers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, current_app, jsonify, render_template, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from app.bootstrap import Container, UseCases, start_log_context
from app.errors import AppError, ErrorCode, Invalid

logger = logging.getLogger(__name__)

STATUS_BY_CODE = {
    ErrorCode.INVALID: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.NOT_ALLOWED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.SALEOR_REFUSED: 502,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.IGNORED: 200,
}


def http_status(error: AppError) -> int:
    """The HTTP status of an error: by its shared code; a feature's rule violation is 400."""
    status = STATUS_BY_CODE.get(error.code)  # type: ignore[call-overload]
    if status is not None:
        return int(status)
    return 400 if isinstance(error, Invalid) else 422


def container() -> Container:
    """The adapters of the running app (built by create_app)."""
    return current_app.extensions["container"]  # type: ignore[no-any-return]


def use_cases() -> UseCases:
    """The use cases with their ports bound: views pass ids and form values, by keyword."""
    return container().use_cases


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_body(message: str, code: str, field: str | None = None) -> dict[str, Any]:
    """The JSON of an error answer (Saleor shows ``error.message`` to the installer)."""
    error: dict[str, str] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"success": False, "error": error}


def error_response(
    status: int, message: str, code: str, field: str | None = None
) -> ResponseReturnValue:
    """JSON for the API and for clients that ask for it; pages get an HTML fragment."""
    if _wants_json():
        return jsonify(error_body(message, code, field)), status
    return render_template("error.html", message=message, status=status), status


def log_app_error(method: str, path: str, status: int, error: AppError) -> None:
    """One line per refused request (a server-side failure is a warning)."""
    log = logger.warning if status >= 500 else logger.info
    log("%s %s -> %s %s: %s", method, path, status, error.code, error.message)


def _handle_app_error(error: AppError) -> ResponseReturnValue:
    status = http_status(error)
    log_app_error(request.method, request.path, status, error)
    return error_response(status, error.message, error.code.value, error.field)


def _handle_http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    return error_response(
        status, error.description or error.name, error.name.lower().replace(" ", "_")
    )


_FRAMED_PREFIXES = ("/app", "/widgets")


def _frame_ancestors() -> str:
    """Dashboard pages (HTML under /app and /widgets) may be framed by the installed shops'
    dashboards only; everything else (public pages, JSON, files) by nobody."""
    if not request.path.startswith(_FRAMED_PREFIXES):
        return "'none'"
    from app.web.dashboard_origins import framing_origins

    origins = framing_origins()
    return " ".join(origins) if origins else "'none'"


_NOSNIFF = ("X-Content-Type-Options", "nosniff")
_REFERRER_POLICY = ("Referrer-Policy", "strict-origin")
_NO_STORE = ("Cache-Control", "no-store")
# What `_frame_headers` adds to a POST answered with anything but HTML (webhook answers).
UNFRAMED_POST_HEADERS = (
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    _NOSNIFF,
    _REFERRER_POLICY,
    _NO_STORE,
)


def _frame_headers(response):  # type: ignore[no-untyped-def]
    """Pages are shown inside the dashboard's iframe: framing only by the installed shops'
    dashboards, no MIME sniffing, never cache tokens. A header the view set is kept; the
    response's header names are read once (every request passes here but webhooks, which
    `api.webhooks.WebhookIngress` answers with UNFRAMED_POST_HEADERS)."""
    present = {name.lower() for name, _ in response.headers}
    if "content-security-policy" not in present:
        html = response.mimetype == "text/html"
        ancestors = _frame_ancestors() if html else "'none'"
        response.headers.add("Content-Security-Policy", f"frame-ancestors {ancestors}")
    for name, value in (_NOSNIFF, _REFERRER_POLICY):
        if name.lower() not in present:
            response.headers.add(name, value)
    if request.method == "POST" and "cache-control" not in present:
        response.headers.add(*_NO_STORE)
    return response


def _start_log_context() -> None:
    """Each request's lines name the shop that sent it (webhook header or dashboard form)."""
    api_url, order_id = request.headers.get("Saleor-Api-Url", ""), ""
    if not request.path.startswith(WEBHOOK_PREFIX):  # webhook bodies are read raw
        api_url = api_url or request.values.get("saleorApiUrl", "")
        order_id = request.values.get("orderId", "")
    start_log_context(api_url, order_id)


class _NoSessionForWebhooks(SecureCookieSessionInterface):
    """Saleor's webhook calls carry no cookie and need no session: skip building the signer."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(WEBHOOK_PREFIX):
            return self.make_null_session(app)
        return super().open_session(app, request)


WEBHOOK_PREFIX = "/api/webhooks/"


def register_blueprints(app: Flask) -> None:
    """One folder per surface (api, order_widget, product_widget, app_pages), as in
    dashboard_extension/templates/."""
    from app.web import forms
    from app.web.api import install, operations, vendor_api, webhooks
    from app.web.app_pages import (
        automation,
        billing,
        edi,
        first_run,
        packing_slip_settings,
        po_list,
        reports,
        risk_settings,
        settings,
        shell,
        shipment_imports,
        vendors,
    )
    from app.web.order_widget import (
        automation as order_automation,
    )
    from app.web.order_widget import charge, order, purchase_orders, review, shipments
    from app.web.product_widget import vendors as product_vendors
    from app.web.vendor_portal import pages as vendor_portal

    for module in (
        install,
        webhooks,
        shell,
        order,
        product_vendors,
        purchase_orders,
        vendors,
        settings,
        shipments,
        shipment_imports,
        first_run,
        edi,
        operations,
        review,
        risk_settings,
        charge,
        packing_slip_settings,
        po_list,
        reports,
        billing,
        order_automation,
        automation,
        vendor_api,
        vendor_portal,
    ):
        app.register_blueprint(module.blueprint)
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.session_interface = _NoSessionForWebhooks()
    app.after_request(_frame_headers)
    app.before_request(_start_log_context)
    app.before_request(forms.refuse_control_characters)
    app.wsgi_app = webhooks.WebhookIngress(app, app.wsgi_app)  # type: ignore[method-assign]
