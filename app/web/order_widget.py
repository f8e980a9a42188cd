"""The order page's "Purchase orders" widget (ORDER_DETAILS_WIDGETS, POST)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.web import container
from app.web.auth import (
    current_user,
    issue_context,
    require_dashboard_context,
    require_dashboard_token,
)

blueprint = Blueprint("order_widget", __name__)


def _render(order_id: str) -> ResponseReturnValue:
    user = current_user()
    with container().uow_factory() as uow:
        snapshot = uow.orders.get(user.installation_id, order_id)
    return render_template(
        "order_widget/widget.html",
        user=user,
        order_id=order_id,
        snapshot=snapshot,
        context=issue_context(user),
    )


@blueprint.post("/widgets/order")
@require_dashboard_token("MANAGE_ORDERS")
def widget() -> ResponseReturnValue:
    return _render(request.form.get("orderId", ""))


@blueprint.post("/widgets/order/refresh")
@require_dashboard_context("MANAGE_ORDERS")
def refresh() -> ResponseReturnValue:
    return _render(request.form.get("orderId", ""))
