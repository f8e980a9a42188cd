"""A vendor's EDI page: trading-partner settings, SFTP host key, "Send test", document log."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.edi.partners import INBOUND_KINDS, QUALIFIERS
from app.errors import AppError
from app.services.forms import FormInvalid
from app.web import http_status, use_cases
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import checkbox, multiline, text_fields

blueprint = Blueprint("edi_pages", __name__)
PERMISSION = "MANAGE_ORDERS"
FIELDS = (
    "sender_qualifier",
    "sender_id",
    "receiver_qualifier",
    "receiver_id",
    "application_sender",
    "application_receiver",
    "element_separator",
    "sub_element_separator",
    "segment_terminator",
    "version",
    "usage",
    "sftp_host",
    "sftp_port",
    "sftp_username",
    "inbound_folder",
    "outbound_folder",
    "archive_folder",
    "quarantine_folder",
)


def _form() -> dict[str, object]:
    data: dict[str, object] = dict(text_fields(FIELDS))
    data["documents_back"] = [k for k in request.form.getlist("documents_back") if k]
    data["sftp_password"] = request.form.get("sftp_password", "")
    data["sftp_private_key"] = multiline("sftp_private_key").strip()
    data["mark_resends"] = checkbox("mark_resends")
    data["send_ship_date"] = checkbox("send_ship_date")
    return data


def _page(
    vendor_id: int,
    status: int = 200,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    **page: object,
) -> ResponseReturnValue:
    user = current_user()
    view = use_cases().edi_page(installation_id=user.installation_id, vendor_id=vendor_id)
    html = render_template(
        "app_pages/vendor_edi.html",
        user=user,
        page=view,
        values=values if values is not None else view.values,
        errors=errors or {},
        qualifiers=QUALIFIERS,
        kinds=INBOUND_KINDS,
        **page,
    )
    return html, status


@blueprint.get("/app/vendors/<int:vendor_id>/edi")
@require_dashboard_context(PERMISSION)
def edi(vendor_id: int) -> ResponseReturnValue:
    return _page(vendor_id)


@blueprint.post("/app/vendors/<int:vendor_id>/edi")
@require_dashboard_context(PERMISSION)
def save(vendor_id: int) -> ResponseReturnValue:
    data = _form()
    try:
        use_cases().save_edi_settings(
            installation_id=current_user().installation_id, vendor_id=vendor_id, data=data
        )
    except FormInvalid as error:
        shown = {k: v for k, v in data.items() if k not in ("sftp_password", "sftp_private_key")}
        return _page(vendor_id, 400, shown, error.errors)
    return _page(vendor_id, notice="The EDI settings were saved.")


@blueprint.post("/app/vendors/<int:vendor_id>/edi/host-key")
@require_dashboard_context(PERMISSION)
def check_host_key(vendor_id: int) -> ResponseReturnValue:
    """Connect (no login) and show the fingerprint the server presents, to confirm."""
    try:
        fingerprint = use_cases().fetch_edi_host_key(
            installation_id=current_user().installation_id, vendor_id=vendor_id
        )
    except AppError as error:
        return _page(vendor_id, http_status(error), failure=error.message)
    return _page(vendor_id, presented=fingerprint)


@blueprint.post("/app/vendors/<int:vendor_id>/edi/host-key/pin")
@require_dashboard_context(PERMISSION)
def pin_host_key(vendor_id: int) -> ResponseReturnValue:
    fingerprint = request.form.get("fingerprint", "")
    use_cases().pin_edi_host_key(
        installation_id=current_user().installation_id,
        vendor_id=vendor_id,
        fingerprint=fingerprint,
    )
    return _page(vendor_id, notice=f"Host key {fingerprint.strip()} is now trusted.")


@blueprint.post("/app/vendors/<int:vendor_id>/edi/test")
@require_dashboard_context(PERMISSION)
def send_test(vendor_id: int) -> ResponseReturnValue:
    try:
        message = use_cases().send_edi_test(
            installation_id=current_user().installation_id, vendor_id=vendor_id
        )
    except AppError as error:
        return _page(vendor_id, http_status(error), failure=error.message)
    return _page(vendor_id, notice=message)


@blueprint.get("/app/vendors/<int:vendor_id>/edi/documents/<int:document_id>")
@require_dashboard_context(PERMISSION)
def document(vendor_id: int, document_id: int) -> ResponseReturnValue:
    """One document as exchanged (the raw X12), with its error if it was quarantined."""
    user = current_user()
    found = use_cases().edi_document(installation_id=user.installation_id, document_id=document_id)
    if found.vendor_id != vendor_id:
        return _page(vendor_id, 404, failure="This EDI document does not exist.")
    return render_template(
        "app_pages/edi_document.html", user=user, document=found, vendor_id=vendor_id
    )
