"""The Settings page's "Risk review" section: weights, thresholds, forwarder names, and the
restricted Stripe key for Radar (write-only: the page says whether one is stored, never shows
it; an empty field keeps it). Drawn by ``app_pages/_risk_settings.html`` inside the Settings page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from app.services.forms import FormInvalid
from app.web import use_cases
from app.web.app_pages import settings as settings_page
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("risk_settings", __name__)
PERMISSION = "MANAGE_ORDERS"
FIELDS_MAX_LENGTH = 4000


def _form_values(values: Mapping[str, Any]) -> dict[str, str]:
    shown = {k: str(v) for k, v in values.items() if k not in ("extra_forwarders", "stripe_key")}
    forwarders = values.get("extra_forwarders", "")
    shown["extra_forwarders"] = (
        "\n".join(forwarders) if isinstance(forwarders, list | tuple) else str(forwarders)
    )
    return shown


@blueprint.app_context_processor
def _risk_settings_form() -> dict[str, object]:
    """What ``_risk_settings.html`` reads, loaded only when the partial asks."""

    def risk_settings_form() -> dict[str, object]:
        stored = use_cases().get_risk_settings(installation_id=current_user().installation_id)
        posted = g.get("risk_form")
        return {
            "values": posted["values"] if posted else _form_values(stored.settings.values()),
            "errors": posted["errors"] if posted else {},
            "notice": posted["notice"] if posted else "",
            "labels": stored.settings.labels(),
            "stripe_key_stored": stored.stripe_key_stored,
        }

    return {"risk_settings_form": risk_settings_form}


@blueprint.post("/app/settings/risk")
@require_dashboard_context(PERMISSION)
def save() -> ResponseReturnValue:
    data = {k: v[:FIELDS_MAX_LENGTH] for k, v in request.form.items() if k != "context"}
    installation_id = current_user().installation_id
    status = 200
    try:
        saved = use_cases().save_risk_settings(installation_id=installation_id, data=data)
        g.risk_form = {
            "values": _form_values(saved.settings.values()),
            "errors": {},
            "notice": "Risk review settings saved. New reviews use them.",
        }
    except FormInvalid as error:
        status = 400
        g.risk_form = {"values": _form_values(data), "errors": error.errors, "notice": ""}
    stored = use_cases().get_settings(installation_id=installation_id)
    return settings_page._render(stored.public_values(), stored, status=status)
