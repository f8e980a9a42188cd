"""The app page's Vendors tab: list, create, edit, (de)activate; CSV import and export.

Every view answers an HTML fragment for ``#app-body`` (see app_pages.py); a form with errors
comes back with status 400, the user's input kept and one message per field.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

from app.domain.vendors import IntegrationKind
from app.services.forms import FormInvalid
from app.services.ports import SaleorRefused, SaleorUnavailable
from app.web import http_status, use_cases
from app.web.app_pages.shell import current_saleor_api
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import (
    NEW_VENDOR,
    checkbox,
    csv_upload,
    multiline,
    vendor_form,
    vendor_values,
)

blueprint = Blueprint("vendor_pages", __name__)
PERMISSION = "MANAGE_ORDERS"


def _list(status: int = 200, **page: object) -> ResponseReturnValue:
    user = current_user()
    cases = use_cases()
    vendors = cases.list_vendors(installation_id=user.installation_id)
    schema = cases.shop_schema(installation_id=user.installation_id)
    checklist = cases.first_run_checklist(installation_id=user.installation_id)
    html = render_template(
        "app_pages/vendors.html",
        user=user,
        vendors=vendors,
        shop_schema=schema,
        checklist=checklist,
        **page,
    )
    return html, status


def vendors_home(status: int = 200, **page: object) -> ResponseReturnValue:
    """The Vendors tab (the app page's home), with the first-run checklist while it shows."""
    return _list(status, **page)


def _form(
    vendor_id: int | None,
    values: Mapping[str, object],
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    *,
    notice: str = "",
    issued_key: str = "",
    api_key_notice: str = "",
    account_notice: str = "",
) -> ResponseReturnValue:
    user = current_user()
    api_key = None
    if vendor_id is not None:
        api_key = use_cases().vendor_api_key(
            installation_id=user.installation_id, vendor_id=vendor_id
        )
    account_link = (
        use_cases().vendor_account_link(installation_id=user.installation_id, vendor_id=vendor_id)
        if vendor_id
        else None
    )
    html = render_template(
        "app_pages/vendor_form.html",
        user=user,
        vendor_id=vendor_id,
        values=values,
        errors=errors or {},
        http_secret=_signing_secret(vendor_id),
        notice=notice,
        api_key=api_key,
        api_base=url_for("vendor_api.openapi", _external=True).removesuffix("openapi.json"),
        issued_key=issued_key,
        api_key_notice=api_key_notice,
        account_link=account_link,
        account_notice=account_notice,
    )
    return html, status


def _signing_secret(vendor_id: int | None) -> str:
    """An HTTP vendor's signing secret, shown on its page (never put in a form field)."""
    if vendor_id is None:
        return ""
    vendor = use_cases().get_vendor(
        installation_id=current_user().installation_id, vendor_id=vendor_id
    )
    return vendor.http.signing_secret if vendor.integration is IntegrationKind.HTTP else ""


def _import_failed(error: FormInvalid, target: str, status: int = 400) -> ResponseReturnValue:
    """The list with the import's errors under its form, and the pasted rows kept."""
    return _list(status, import_error=error, import_target=target, import_text=multiline("text"))


@blueprint.get("/app/home")
@blueprint.get("/app/vendors")
@require_dashboard_context(PERMISSION)
def vendors() -> ResponseReturnValue:
    return _list()


@blueprint.get("/app/vendors/new")
@require_dashboard_context(PERMISSION)
def new_vendor() -> ResponseReturnValue:
    return _form(None, NEW_VENDOR)


@blueprint.post("/app/vendors/new")
@require_dashboard_context(PERMISSION)
def create_vendor() -> ResponseReturnValue:
    data = vendor_form()
    try:
        vendor = use_cases().save_vendor(installation_id=current_user().installation_id, data=data)
    except FormInvalid as error:
        return _form(None, data, error.errors, 400)
    return _list(notice=f"{vendor.name} ({vendor.code}) was created.")


@blueprint.get("/app/vendors/<int:vendor_id>")
@require_dashboard_context(PERMISSION)
def edit_vendor(vendor_id: int) -> ResponseReturnValue:
    vendor = use_cases().get_vendor(
        installation_id=current_user().installation_id, vendor_id=vendor_id
    )
    return _form(vendor_id, vendor_values(vendor))


@blueprint.post("/app/vendors/<int:vendor_id>")
@require_dashboard_context(PERMISSION)
def update_vendor(vendor_id: int) -> ResponseReturnValue:
    data = vendor_form()
    try:
        vendor = use_cases().save_vendor(
            installation_id=current_user().installation_id, data=data, vendor_id=vendor_id
        )
    except FormInvalid as error:
        return _form(vendor_id, data, error.errors, 400)
    return _list(notice=f"{vendor.name} ({vendor.code}) was saved.")


@blueprint.post("/app/vendors/<int:vendor_id>/http-secret")
@require_dashboard_context(PERMISSION)
def rotate_http_secret(vendor_id: int) -> ResponseReturnValue:
    vendor = use_cases().rotate_vendor_signing_secret(
        installation_id=current_user().installation_id, vendor_id=vendor_id
    )
    notice = "A new signing secret was made: give it to the vendor; the old one no longer works."
    return _form(vendor_id, vendor_values(vendor), notice=notice)


@blueprint.post("/app/vendors/<int:vendor_id>/active")
@require_dashboard_context(PERMISSION)
def change_active(vendor_id: int) -> ResponseReturnValue:
    active = checkbox("active")
    vendor = use_cases().set_vendor_active(
        installation_id=current_user().installation_id, vendor_id=vendor_id, active=active
    )
    if active:
        return _list(notice=f"{vendor.name} is active again.")
    return _list(notice=f"{vendor.name} is inactive: new orders will not go to this vendor.")


@blueprint.post("/app/vendors/<int:vendor_id>/account-link")
@require_dashboard_context(PERMISSION)
def issue_account_link(vendor_id: int) -> ResponseReturnValue:
    """The vendor's account page in the portal (its open POs): a new link, the old one
    revoked. Optional per vendor: without a link there is no account page."""
    installation_id = current_user().installation_id
    vendor = use_cases().get_vendor(installation_id=installation_id, vendor_id=vendor_id)
    use_cases().issue_vendor_account_link(installation_id=installation_id, vendor_id=vendor_id)
    notice = "A new account link is ready to copy; the previous one no longer works."
    return _form(vendor_id, vendor_values(vendor), account_notice=notice)


@blueprint.post("/app/vendors/<int:vendor_id>/account-link/revoke")
@require_dashboard_context(PERMISSION)
def revoke_account_link(vendor_id: int) -> ResponseReturnValue:
    installation_id = current_user().installation_id
    vendor = use_cases().get_vendor(installation_id=installation_id, vendor_id=vendor_id)
    use_cases().revoke_vendor_account_link(installation_id=installation_id, vendor_id=vendor_id)
    notice = "The account link no longer works."
    return _form(vendor_id, vendor_values(vendor), account_notice=notice)


@blueprint.get("/app/vendors/export")
@require_dashboard_context(PERMISSION)
def export_vendors() -> ResponseReturnValue:
    text = use_cases().export_vendors_csv(installation_id=current_user().installation_id)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="vendors.csv"'},
    )


@blueprint.post("/app/vendors/import")
@require_dashboard_context(PERMISSION)
def import_vendors() -> ResponseReturnValue:
    try:
        report = use_cases().import_vendors_csv(
            installation_id=current_user().installation_id, text=csv_upload()
        )
    except FormInvalid as error:
        return _import_failed(error, "vendors")
    return _list(notice=f"Vendors imported: {report.created} created, {report.updated} updated.")


@blueprint.post("/app/vendors/import-products")
@require_dashboard_context("MANAGE_PRODUCTS")
def import_product_vendors() -> ResponseReturnValue:
    try:
        report = use_cases().import_product_vendors_csv(
            api=current_saleor_api(),
            installation_id=current_user().installation_id,
            text=csv_upload(),
        )
    except FormInvalid as error:
        return _import_failed(error, "products")
    except (SaleorUnavailable, SaleorRefused) as error:
        failure = FormInvalid({"file": f"Saleor could not look up the SKUs: {error.message}"})
        return _import_failed(failure, "products", http_status(error))
    return _list(
        notice=f"Product vendors imported: {report.created} created, {report.updated} updated."
    )


def _edit_page(vendor_id: int, issued_key: str = "", notice: str = "") -> ResponseReturnValue:
    vendor = use_cases().get_vendor(
        installation_id=current_user().installation_id, vendor_id=vendor_id
    )
    values = vendor_values(vendor)
    return _form(vendor_id, values, issued_key=issued_key, api_key_notice=notice)


@blueprint.post("/app/vendors/<int:vendor_id>/api-key")
@require_dashboard_context(PERMISSION)
def issue_api_key(vendor_id: int) -> ResponseReturnValue:
    """Create or rotate the vendor's API key: the new key shows once, on this answer only."""
    user = current_user()
    issued = use_cases().issue_vendor_api_key(
        installation_id=user.installation_id, vendor_id=vendor_id, actor=user.email
    )
    return _edit_page(vendor_id, issued_key=issued.plaintext)


@blueprint.post("/app/vendors/<int:vendor_id>/api-key/revoke")
@require_dashboard_context(PERMISSION)
def revoke_api_key(vendor_id: int) -> ResponseReturnValue:
    revoked = use_cases().revoke_vendor_api_key(
        installation_id=current_user().installation_id, vendor_id=vendor_id
    )
    notice = "The API key was revoked: it no longer works." if revoked else "No key to revoke."
    return _edit_page(vendor_id, notice=notice)
