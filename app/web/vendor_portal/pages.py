"""The vendor portal's pages: a PO (``/portal/<token>``), the vendor's open POs
(``/portal/v/<token>``) and each of them (``/portal/v/<token>/po/<id>``).

Thin handlers: the link is resolved (and the request counted) by ``open_portal``; what the
vendor does goes through the merchant's own use cases, as "vendor portal (<vendor code>)".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.domain.errors import DomainValidationError
from app.domain.portal_links import PortalLinkKind
from app.domain.shipments import ShipmentSource
from app.errors import AppError, ErrorCode
from app.services.vendor_portal import PortalAccess
from app.web import container, http_status, log_app_error, use_cases
from app.web.attachments import attachment
from app.web.order_widget.shipments import (
    ShipmentDraft,
    posted_carrier,
    posted_packages,
    posted_quantities,
)
from app.web.order_widget.shipping import CARRIER_CHOICES
from app.web.vendor_portal.security import add_portal_headers, check_form, form_token

blueprint = Blueprint("vendor_portal", __name__)
blueprint.after_app_request(add_portal_headers)

PO = "/portal/<token>"
VENDOR_PO = "/portal/v/<token>/po/<int:po_id>"
DONE = {
    "confirmed": "Thank you: the purchase order is confirmed.",
    "answered": "Thank you: your answers are saved.",
    "shipped": "Thank you: the shipment is recorded and goes to the shop.",
    "cancellation": "Thank you: the cancellation is confirmed.",
}
MAX_PACKAGES = 5


def _open(token: str, po_id: int | None, kind: PortalLinkKind | None = None) -> PortalAccess:
    """The PO link opens its PO; the vendor link opens the vendor's list or one of its POs."""
    if kind is None:
        kind = PortalLinkKind.PO if po_id is None else PortalLinkKind.VENDOR
    return use_cases().open_portal(  # type: ignore[no-any-return]
        token=token, kind=kind, address=request.remote_addr or "", po_id=po_id
    )


def _page(
    access: PortalAccess,
    token: str,
    po_id: int | None,
    *,
    status: int = 200,
    error: AppError | None = None,
) -> ResponseReturnValue:
    page = use_cases().portal_page(access=access)
    field_errors = error.errors if isinstance(error, DomainValidationError) else {}
    html = render_template(
        "vendor_portal/po.html",
        page=page,
        token=token,
        po_id=po_id,
        form_token=form_token(token),
        carriers=CARRIER_CHOICES,
        packages=range(MAX_PACKAGES),
        done=DONE.get(request.args.get("done", "")),
        error=error.message if error and not field_errors else None,
        field_errors=field_errors,
        posted=request.form if error else {},
    )
    return html, status


def _act(token: str, po_id: int | None, action: str, run: Any) -> ResponseReturnValue:
    """Check the form, run the vendor's action; on success back to the page (303), on a
    refusal the page again with the reason."""
    access = _open(token, po_id)
    check_form(token, container().settings.app_url)
    try:
        run(access)
    except AppError as error:
        if error.code in (ErrorCode.NOT_FOUND, ErrorCode.UNAVAILABLE):
            raise
        status = http_status(error)
        log_app_error(request.method, "/portal/[redacted]", status, error)
        return _page(access, token, po_id, status=status, error=error)
    target = url_for("vendor_portal.purchase_order", token=token, po_id=po_id, done=action)
    return redirect(target, code=303)


@blueprint.get(PO)
@blueprint.get(VENDOR_PO)
def purchase_order(token: str, po_id: int | None = None) -> ResponseReturnValue:
    return _page(_open(token, po_id), token, po_id)


@blueprint.post(f"{PO}/confirm")
@blueprint.post(f"{VENDOR_PO}/confirm")
def confirm(token: str, po_id: int | None = None) -> ResponseReturnValue:
    def run(access: PortalAccess) -> None:
        use_cases().answer_purchase_order(
            installation_id=access.installation_id,
            po_id=access.po_id,
            lines={},
            actor=access.actor,
        )

    return _act(token, po_id, "confirmed", run)


def _posted_answers() -> dict[str, dict[str, str]]:
    """Parallel lists, one entry per PO line: line_id, answer, expected_date, reason."""
    form = request.form
    line_ids = form.getlist("line_id")
    columns = [form.getlist(name) for name in ("answer", "expected_date", "reason")]
    if any(len(column) != len(line_ids) for column in columns) or len(line_ids) > 500:
        raise DomainValidationError({"lines": "This form is out of date: reload the page."})
    return {
        line_id: {"answer": answer, "expected_date": expected, "reason": reason}
        for line_id, answer, expected, reason in zip(line_ids, *columns, strict=True)
    }


@blueprint.post(f"{PO}/answer")
@blueprint.post(f"{VENDOR_PO}/answer")
def answer(token: str, po_id: int | None = None) -> ResponseReturnValue:
    def run(access: PortalAccess) -> None:
        use_cases().answer_purchase_order(
            installation_id=access.installation_id,
            po_id=access.po_id,
            lines=_posted_answers(),
            actor=access.actor,
        )

    return _act(token, po_id, "answered", run)


@blueprint.post(f"{PO}/shipments")
@blueprint.post(f"{VENDOR_PO}/shipments")
def ship(token: str, po_id: int | None = None) -> ResponseReturnValue:
    def run(access: PortalAccess) -> None:
        assert access.po_id is not None
        draft = ShipmentDraft.posted(access.po_id)
        quantities = posted_quantities(draft)
        use_cases().record_shipment(
            installation_id=access.installation_id,
            po_id=access.po_id,
            quantities=quantities,
            tracking=draft.tracking,
            carrier_code=posted_carrier(draft.carrier),
            source=ShipmentSource.VENDOR,
            actor=access.actor,
            packages=posted_packages(draft, quantities),
        )

    return _act(token, po_id, "shipped", run)


@blueprint.post(f"{PO}/cancellation")
@blueprint.post(f"{VENDOR_PO}/cancellation")
def confirm_cancellation(token: str, po_id: int | None = None) -> ResponseReturnValue:
    def run(access: PortalAccess) -> None:
        use_cases().confirm_po_cancellation(
            installation_id=access.installation_id, po_id=access.po_id, actor=access.actor
        )

    return _act(token, po_id, "cancellation", run)


@blueprint.get(f"{PO}/po.pdf")
@blueprint.get(f"{VENDOR_PO}/po.pdf")
def pdf(token: str, po_id: int | None = None) -> ResponseReturnValue:
    access = _open(token, po_id)
    filename, content_type, data = use_cases().purchase_order_file(
        installation_id=access.installation_id, po_id=access.po_id, kind="pdf"
    )
    return attachment(filename, content_type, data)


@blueprint.get("/portal/v/<token>")
def account(token: str) -> ResponseReturnValue:
    access = _open(token, None, PortalLinkKind.VENDOR)
    return render_template(
        "vendor_portal/account.html", account=use_cases().vendor_account(access=access), token=token
    )


@blueprint.errorhandler(AppError)
def _refused(error: AppError) -> ResponseReturnValue:
    """Refusals get the portal's own page; the path (it holds the token) is never logged."""
    status = http_status(error)
    log_app_error(request.method, "/portal/[redacted]", status, error)
    return render_template("vendor_portal/refused.html", message=error.message), status
