"""The order widget's per-PO actions: send or resend, mark as sent, cancel, download.

Downloads are POSTs carrying the signed context (never Saleor's token) and answer the file as an
attachment, so the widget stays on screen (the dashboard's iframe allows downloads).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.errors import AppError
from app.web import use_cases
from app.web.attachments import attachment
from app.web.auth import current_user, require_dashboard_context
from app.web.order_widget.view import Outcome, render_failure, widget_action

blueprint = Blueprint("order_purchase_orders", __name__)
PERMISSION = "MANAGE_ORDERS"
PREFIX = "/widgets/order/purchase-orders/<int:po_id>"


@blueprint.post(f"{PREFIX}/send")
@require_dashboard_context(PERMISSION)
@widget_action
def send(po_id: int) -> Outcome:
    user = current_user()
    po = use_cases().send_purchase_order(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    verb = "sent again" if request.form.get("resend") == "1" else "sent"
    text = f"PO {po.number} is being {verb} to {po.vendor_name}."
    return Outcome("success", "Sending", text)


@blueprint.post(f"{PREFIX}/mark-sent")
@require_dashboard_context(PERMISSION)
@widget_action
def mark_sent(po_id: int) -> Outcome:
    user = current_user()
    po = use_cases().mark_purchase_order_sent(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    text = f"PO {po.number} to {po.vendor_name} is marked as sent."
    return Outcome("success", "Marked as sent", text, notify=True)


@blueprint.post(f"{PREFIX}/confirm-cancellation")
@require_dashboard_context(PERMISSION)
@widget_action
def confirm_cancellation(po_id: int) -> Outcome:
    user = current_user()
    number = use_cases().confirm_po_cancellation(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    text = f"PO {number} is cancelled; its lines are released."
    return Outcome("success", "Cancellation confirmed", text, notify=True)


@blueprint.post(f"{PREFIX}/send-update")
@require_dashboard_context(PERMISSION)
@widget_action
def send_update(po_id: int) -> Outcome:
    user = current_user()
    po = use_cases().send_purchase_order_update(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    label = po.amended_label.lower() or "amended"
    if po.amendment_pending:
        text = f"PO {po.number} ({label}) is being sent to {po.vendor_name}."
    else:
        text = f"PO {po.number} is {label}: send it to {po.vendor_name} yourself (PDF or CSV)."
    return Outcome("success", "Update applied", text, notify=True)


@blueprint.post(f"{PREFIX}/vendor-link")
@require_dashboard_context(PERMISSION)
@widget_action
def reissue_vendor_link(po_id: int) -> Outcome:
    """A new vendor portal link for the PO; the previous one stops working."""
    user = current_user()
    use_cases().reissue_purchase_order_link(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    text = "A new vendor link is ready to copy; the previous link no longer opens the PO."
    return Outcome("success", "Vendor link issued", text)


@blueprint.post(f"{PREFIX}/vendor-link/revoke")
@require_dashboard_context(PERMISSION)
@widget_action
def revoke_vendor_link(po_id: int) -> Outcome:
    user = current_user()
    revoked = use_cases().revoke_purchase_order_link(
        installation_id=user.installation_id, po_id=po_id, actor=user.email
    )
    text = "The vendor link no longer opens the PO." if revoked else "The PO had no vendor link."
    return Outcome("success", "Vendor link revoked", text)


@blueprint.post(f"{PREFIX}/cancel")
@require_dashboard_context(PERMISSION)
@widget_action
def cancel(po_id: int) -> Outcome:
    user = current_user()
    po = use_cases().cancel_purchase_order(
        installation_id=user.installation_id,
        po_id=po_id,
        actor=user.email,
        reason=request.form.get("reason", ""),
    )
    text = f"PO {po.number} to {po.vendor_name} is cancelled; its lines can be ordered again."
    return Outcome("success", "PO cancelled", text, notify=True)


@blueprint.post(f"{PREFIX}/shipping-cost")
@require_dashboard_context(PERMISSION)
@widget_action
def shipping_cost(po_id: int) -> Outcome:
    user = current_user()
    po = use_cases().set_shipping_cost(
        installation_id=user.installation_id,
        po_id=po_id,
        amount=request.form.get("shipping_cost", "")[:40],
        actor=user.email,
    )
    cost = f"{po.shipping_cost}" if po.shipping_cost is not None else "cleared"
    return Outcome("success", "Shipping cost saved", f"PO {po.number}: shipping cost {cost}.")


@blueprint.post(f"{PREFIX}/file/<kind>")
@require_dashboard_context(PERMISSION)
def download(po_id: int, kind: str) -> ResponseReturnValue:
    try:
        filename, content_type, data = use_cases().purchase_order_file(
            installation_id=current_user().installation_id, po_id=po_id, kind=kind
        )
    except AppError as error:
        return render_failure(request.form.get("orderId", ""), error)
    return attachment(filename, content_type, data)
