"""The app page's Settings tab: shop identity, PO numbering, SMTP server and templates.

The SMTP password is write-only: the page says whether one is stored, never shows it, and
an empty password field keeps the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from app.domain.purchase_orders import DEFAULT_NUMBER_PATTERN
from app.domain.shop_settings import SMTP_SECURITY, ShopSettings
from app.errors import Permanent, Retryable
from app.services.forms import FormInvalid
from app.web import use_cases
from app.web.app_pages.shell import current_saleor_api
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import settings_form

blueprint = Blueprint("settings_page", __name__)
PERMISSION = "MANAGE_ORDERS"


def _render(
    values: Mapping[str, object],
    stored: ShopSettings,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    notice: str = "",
) -> ResponseReturnValue:
    html = render_template(
        "app_pages/settings.html",
        user=current_user(),
        values={
            key: ("1" if value is True else "0" if value is False else value)
            for key, value in values.items()
            if key != "smtp_password"
        },
        password_stored=bool(stored.smtp_password),
        errors=errors or {},
        notice=notice,
        security_choices=SMTP_SECURITY,
        default_pattern=DEFAULT_NUMBER_PATTERN,
        warehouses=_warehouses(),
    )
    return html, status


def _warehouses() -> list[tuple[str, str]] | None:
    """The shop's warehouses from Saleor; None when Saleor cannot say right now."""
    try:
        return current_saleor_api().warehouses()
    except (Retryable, Permanent):
        return None


@blueprint.get("/app/settings")
@require_dashboard_context(PERMISSION)
def settings_page() -> ResponseReturnValue:
    stored = use_cases().get_settings(installation_id=current_user().installation_id)
    return _render(stored.public_values(), stored)


@blueprint.post("/app/settings")
@require_dashboard_context(PERMISSION)
def save() -> ResponseReturnValue:
    data = settings_form()
    cases, installation_id = use_cases(), current_user().installation_id
    try:
        saved = cases.save_settings(installation_id=installation_id, data=data)
    except FormInvalid as error:
        stored = cases.get_settings(installation_id=installation_id)
        return _render(data, stored, error.errors, 400)
    return _render(saved.public_values(), saved, notice="Settings saved.")
