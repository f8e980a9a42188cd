"""The order page's "Purchase orders" widget (ORDER_DETAILS_WIDGETS, POST): order-level actions.

Every follow-up form carries the signed ``context``, the ``orderId`` and ``drawn_at`` (the order's
``updatedAt`` when the widget was drawn). PO actions live in ``purchase_orders``.
"""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from app.domain.gate import OrderOnHold
from app.errors import AppError, Invalid, NotFound
from app.web import use_cases
from app.web.auth import current_user, require_dashboard_context, require_dashboard_token
from app.web.order_widget.view import (
    HoldPrompt,
    Outcome,
    render_failure,
    render_widget,
    widget_action,
)

blueprint = Blueprint("order_widget", __name__)
PERMISSION = "MANAGE_ORDERS"


def _order_id() -> str:
    return request.form.get("orderId", "")


def _drawn_at() -> str | None:
    """None when the form did not say (the service then skips the stale check)."""
    return request.form.get("drawn_at")


def _vendor_id() -> int | None:
    raw = request.form.get("vendor_id", "").strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise Invalid("Choose one of the listed vendors.", field="vendor_id")
    return int(raw)


@blueprint.post("/widgets/order")
@require_dashboard_token(PERMISSION)
def widget() -> ResponseReturnValue:
    return render_widget(_order_id())


@blueprint.post("/widgets/order/refresh")
@require_dashboard_context(PERMISSION)
def refresh() -> ResponseReturnValue:
    """Read the order from Saleor again, store it, and redraw the widget from it."""
    order_id = _order_id()
    if order_id:
        try:
            use_cases().refresh_order_by_id(
                installation_id=current_user().installation_id, order_id=order_id
            )
        except NotFound:
            pass  # Saleor has no such order: the widget says the order has not reached the app
        except AppError as error:
            return render_failure(order_id, error)
    return render_widget(order_id)


@blueprint.post("/widgets/order/confirm")
@require_dashboard_context(PERMISSION)
@widget_action
def confirm() -> Outcome:
    status = use_cases().confirm_order(
        installation_id=current_user().installation_id, order_id=_order_id()
    )
    text = f"Saleor now shows it as {status.replace('_', ' ').lower()}."
    return Outcome("success", "Order confirmed", text, notify=True, refresh_entity=True)


@blueprint.post("/widgets/order/lines/vendor")
@require_dashboard_context(PERMISSION)
@widget_action
def choose_line_vendor() -> Outcome:
    line_id = request.form.get("line_id", "")
    plan = use_cases().change_line_vendor(
        installation_id=current_user().installation_id,
        order_id=_order_id(),
        order_line_id=line_id,
        vendor_id=_vendor_id(),
        drawn_at=_drawn_at(),
    )
    line = plan.line(line_id)
    assert line is not None  # the service refused unknown lines
    chosen = next((o.vendor.name for o in line.options if o.vendor_id == line.vendor_id), None)
    name = line.product_name
    text = f"{name} goes to {chosen}." if chosen else f"{name} is not drop-shipped."
    return Outcome("success", "Vendor saved", text)


def _go_ahead_reason() -> str | None:
    """The merchant's reason for sending a held order, when the confirmation box is ticked."""
    if request.form.get("go_ahead") != "1":
        return None
    return request.form.get("go_ahead_reason", "")[:2000]


@blueprint.post("/widgets/order/purchase-orders")
@require_dashboard_context(PERMISSION)
def create() -> ResponseReturnValue:
    """ "Create PO(s) [& Send]". An order the gate holds (review not approved, not charged) is
    answered 409 with the widget asking for a confirmation and a reason; nothing is written."""
    order_id, send, user = _order_id(), request.form.get("send") == "1", current_user()
    try:
        created = use_cases().create_purchase_orders(
            installation_id=user.installation_id,
            order_id=order_id,
            actor=user.email,
            send=send,
            drawn_at=_drawn_at(),
            go_ahead_reason=_go_ahead_reason(),
        )
    except OrderOnHold as hold:
        title = "Send to vendors anyway?" if send else "Create the POs anyway?"
        outcome = Outcome("warning", title, hold.message)
        prompt = HoldPrompt(hold.reasons, send, request.form.get("go_ahead_reason", "")[:500])
        return render_widget(order_id, outcome, 409, hold=prompt)
    except AppError as error:
        return render_failure(order_id, error)
    numbers = ", ".join(f"{po.number} ({po.vendor_name})" for po in created)
    text = numbers + (". Its POs are on their way." if send else ".")
    outcome = Outcome("success", f"{len(created)} PO(s) created", text, notify=True)
    return render_widget(order_id, outcome)


@blueprint.post("/widgets/order/complete")
@require_dashboard_context(PERMISSION)
@widget_action
def complete() -> Outcome:
    user = current_user()
    note = use_cases().complete_order(
        installation_id=user.installation_id,
        order_id=_order_id(),
        actor=user.email,
        reason=request.form.get("reason", ""),
    )
    return Outcome("success", "Order complete", note, notify=True)


@blueprint.post("/widgets/order/saleor-writes/retry")
@require_dashboard_context(PERMISSION)
@widget_action
def retry_write() -> Outcome:
    """A failed write to Saleor (notes, tracking, a cancellation), tried again."""
    use_cases().retry_saleor_write(
        installation_id=current_user().installation_id, key=request.form.get("key", "")[:200]
    )
    return Outcome("success", "Trying again", "Saleor is being written to again.")
