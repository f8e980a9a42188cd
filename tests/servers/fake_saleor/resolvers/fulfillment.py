"""Fulfilment mutations: approve, update tracking and cancel (Saleor 3.23 rules)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..auth import RequestContext
from ..orders import (
    add_event,
    allocate,
    change_fulfilled,
    change_stock,
    emit,
    is_fully_paid,
    line_variant_id,
    update_status,
    warehouse_ref,
)
from .common import MutationError, get_fulfillment, get_node, payload
from .fulfill import ORDER_ERRORS, WAITING, check_stock, take_stock
from .registry import mutation


def _order_line(order: dict[str, Any], f_line: dict[str, Any]) -> dict[str, Any]:
    """The stored order line a fulfilment line points at."""
    wanted = (f_line.get("orderLine") or {}).get("id")
    return next((line for line in order.get("lines") or [] if line["id"] == wanted), {})


@mutation("orderFulfillmentApprove")
@payload(*ORDER_ERRORS)
def fulfillment_approve(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    id: str,
    notifyCustomer: bool,
    allowStockToBeExceeded: bool | None = False,
) -> Any:
    """WAITING_FOR_APPROVAL -> FULFILLED: takes the stock now."""
    ctx: RequestContext = info.context
    order, fulfillment = get_fulfillment(ctx, id)
    if fulfillment.get("status") != WAITING:
        raise MutationError(
            None,
            "INVALID",
            "Invalid fulfillment status, only WAITING_FOR_APPROVAL fulfillments can be accepted.",
        )
    if not ctx.store.shop_settings["fulfillmentAllowUnpaid"] and not is_fully_paid(order):
        raise MutationError(None, "CANNOT_FULFILL_UNPAID_ORDER", "Cannot fulfill unpaid order.")
    default_warehouse = (fulfillment.get("warehouse") or {}).get("id")
    items = [
        (_order_line(order, f_line), f_line.get("stockWarehouseId", default_warehouse), qty)
        for f_line in fulfillment.get("lines") or []
        for qty in [int(f_line.get("quantity") or 0)]
    ]
    check_stock(ctx, items, bool(allowStockToBeExceeded))
    fulfillment.update(status="FULFILLED", notifyCustomer=notifyCustomer)
    add_event(ctx, order, "FULFILLMENT_FULFILLED_ITEMS", fulfilledItems=fulfillment["lines"])
    for line, warehouse, qty in items:
        take_stock(ctx, line, warehouse, qty)
    update_status(order)
    emit(ctx, "ORDER_UPDATED", order)
    emit(ctx, "FULFILLMENT_APPROVED", order, fulfillment=fulfillment, notifyCustomer=notifyCustomer)
    if order.get("status") == "FULFILLED":
        emit(ctx, "ORDER_FULFILLED", order)
    return {"fulfillment": fulfillment, "order": order}


@mutation("orderFulfillmentUpdateTracking")
@payload(*ORDER_ERRORS)
def fulfillment_update_tracking(
    _parent: Any, info: GraphQLResolveInfo[Any], id: str, input: dict[str, Any]
) -> Any:
    """Replace the tracking number; TRACKING_UPDATED event; `notifyCustomer` defaults to false."""
    ctx: RequestContext = info.context
    order, fulfillment = get_fulfillment(ctx, id)
    tracking = input.get("trackingNumber") or ""
    fulfillment.update(
        trackingNumber=tracking, trackingNotifyCustomer=bool(input.get("notifyCustomer"))
    )
    add_event(ctx, order, "TRACKING_UPDATED", trackingNumber=tracking)
    emit(ctx, "FULFILLMENT_TRACKING_NUMBER_UPDATED", order, fulfillment=fulfillment)
    emit(ctx, "ORDER_UPDATED", order)
    return {"fulfillment": fulfillment, "order": order}


@mutation("orderFulfillmentCancel")
@payload(*ORDER_ERRORS)
def fulfillment_cancel(
    _parent: Any, info: GraphQLResolveInfo[Any], id: str, input: dict[str, Any] | None = None
) -> Any:
    """CANCELED, restocked and re-allocated in `warehouseId` (required unless waiting)."""
    ctx: RequestContext = info.context
    order, fulfillment = get_fulfillment(ctx, id)
    waiting = fulfillment.get("status") == WAITING
    warehouse_id = (input or {}).get("warehouseId")
    if not waiting and warehouse_id:
        get_node(ctx, warehouse_id, "Warehouse", field="warehouseId")
    if fulfillment.get("status") == "CANCELED":
        raise MutationError(
            "fulfillment", "CANNOT_CANCEL_FULFILLMENT", "This fulfillment can't be canceled"
        )
    if not waiting and not warehouse_id:
        raise MutationError(
            "warehouseId",
            "REQUIRED",
            "This parameter is required for fulfillments which are not in "
            "WAITING_FOR_APPROVAL state.",
        )
    add_event(ctx, order, "FULFILLMENT_CANCELED")
    for f_line in fulfillment.get("lines") or []:
        line, qty = _order_line(order, f_line), int(f_line.get("quantity") or 0)
        if not waiting and line_variant_id(line) is not None:
            change_stock(ctx, line_variant_id(line), str(warehouse_id), qty)
            allocate(ctx, line, qty, str(warehouse_id))
        if line:
            change_fulfilled(line, -qty)
    if waiting:
        order["fulfillments"] = [f for f in order["fulfillments"] if f is not fulfillment]
    else:
        quantity = sum(int(f_line.get("quantity") or 0) for f_line in fulfillment["lines"])
        warehouse = warehouse_ref(ctx, str(warehouse_id))
        add_event(ctx, order, "FULFILLMENT_RESTOCKED_ITEMS", quantity=quantity, warehouse=warehouse)
        fulfillment["status"] = "CANCELED"
    update_status(order)
    emit(ctx, "FULFILLMENT_CANCELED", order, fulfillment=fulfillment)
    emit(ctx, "ORDER_UPDATED", order)
    return {"fulfillment": fulfillment, "order": order}
