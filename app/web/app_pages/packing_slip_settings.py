"""The Settings page's "Packing slip" section: the shop's logo (uploaded, checked by its
bytes), return address, message to the customer and holidays. Drawn by
``app_pages/_packing_slip_settings.html`` inside the Settings page; its own form."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from app.domain.logos import MAX_LOGO_BYTES
from app.services.forms import FormInvalid
from app.web import use_cases
from app.web.app_pages import settings as settings_page
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import multiline

blueprint = Blueprint("packing_slip_settings", __name__)
PERMISSION = "MANAGE_ORDERS"
FIELDS = ("return_address", "slip_message_template", "holidays")
MAX_FIELD = 8000


@blueprint.app_context_processor
def _packing_slip_form() -> dict[str, object]:
    """What ``_packing_slip_settings.html`` reads, loaded only when the partial asks."""

    def packing_slip_form() -> dict[str, object]:
        stored = use_cases().get_packing_slip_settings(
            installation_id=current_user().installation_id
        )
        posted = g.get("packing_slip_form")
        values = {name: getattr(stored.settings, name) for name in FIELDS}
        return {
            "values": posted["values"] if posted else values,
            "errors": posted["errors"] if posted else {},
            "notice": posted["notice"] if posted else "",
            "logo": stored.logo,
        }

    return {"packing_slip_form": packing_slip_form}


@blueprint.post("/app/settings/packing-slip")
@require_dashboard_context(PERMISSION)
def save() -> ResponseReturnValue:
    data = {name: multiline(name)[:MAX_FIELD] for name in FIELDS}
    cases, installation_id = use_cases(), current_user().installation_id
    status, notice = 200, "Packing slip settings saved."
    try:
        _save_logo(installation_id)
        cases.save_packing_slip_settings(installation_id=installation_id, data=data)
        g.packing_slip_form = {"values": data, "errors": {}, "notice": notice}
    except FormInvalid as error:
        status = 400
        g.packing_slip_form = {"values": data, "errors": error.errors, "notice": ""}
    stored = cases.get_settings(installation_id=installation_id)
    return settings_page._render(stored.public_values(), stored, status=status)


def _save_logo(installation_id: int) -> None:
    """A new logo replaces the stored one; "remove" deletes it; neither: kept."""
    upload = request.files.get("logo")
    if upload is not None and upload.filename:
        data = upload.stream.read(MAX_LOGO_BYTES + 1)  # one byte over tells "too large"
        use_cases().save_logo(installation_id=installation_id, data=data)
    elif request.form.get("remove_logo") == "1":
        use_cases().remove_logo(installation_id=installation_id)
