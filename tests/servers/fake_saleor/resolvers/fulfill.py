"""orderFulfill, Saleor 3.23 rules, and the stock helpers shared with orderFulfillmentApprove.

orderFulfill has no order-status check: the only gate is the payment check, which runs before
any line or stock validation (responses/README.md, "Surprising facts" 1 and 6).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..auth import RequestContext
from ..data import to_global_id
from ..orders import (
    add_event,
    change_fulfilled,
    change_stock,
    deallocate,
    emit,
    is_fully_paid,
    line_variant_id,
    now_iso,
    quantity_to_fulfill,
    update_status,
    warehouse_ref,
)
from .common import MutationError, decode_id, get_node, payload
from .registry import mutation

ORDER_ERRORS = ("errors", "orderErrors")
WAITING = "WAITING_FOR_APPROVAL"
Plan = dict[str, list[tuple[dict[str, Any], int]]]


def _duplicate(values: list[Any]) -> Any:
    """The first value seen twice, or None."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def _insufficient(warehouse: str | None, line: dict[str, Any]) -> dict[str, Any]:
    return {
        "field": "stocks",
        "code": "INSUFFICIENT_STOCK",
        "message": "Insufficient product stock.",
        "warehouse": warehouse,
        "orderLines": [line.get("id")],
    }


def check_stock(
    ctx: RequestContext, items: list[tuple[dict[str, Any], str | None, int]], allow: bool
) -> None:
    """Missing rows first, then quantities; INSUFFICIENT_STOCK per line unless allowed."""
    if allow:
        return
    missing = [(line, wh) for line, wh, _ in items if wh is None or _stock(ctx, line, wh) is None]
    if not missing:
        missing = [(line, wh) for line, wh, qty in items if (_stock(ctx, line, wh) or 0) < qty]
    if missing:
        raise MutationError.of([_insufficient(wh, line) for line, wh in missing])


def _stock(ctx: RequestContext, line: dict[str, Any], warehouse: str | None) -> int | None:
    return None if warehouse is None else ctx.store.get_stock(line_variant_id(line), warehouse)


def take_stock(ctx: RequestContext, line: dict[str, Any], warehouse: str | None, qty: int) -> None:
    """Decrease the stock row (if any) and release the line's allocation."""
    if warehouse is not None and _stock(ctx, line, warehouse) is not None:
        change_stock(ctx, line_variant_id(line), warehouse, -qty)
    deallocate(line, qty, warehouse)


def _clean_fulfill(order: dict[str, Any], lines: list[dict[str, Any]]) -> Plan:
    """OrderFulfill.clean_input after the payment check: {warehouse: [(line, qty)]}."""
    for line_input in lines:
        warehouse = _duplicate([stock["warehouse"] for stock in line_input["stocks"]])
        if warehouse is not None:
            raise MutationError(
                "warehouse",
                "DUPLICATED_INPUT_ITEM",
                "Duplicated warehouse ID.",
                warehouse=warehouse,
            )
    ids = [line_input.get("orderLineId") for line_input in lines]
    duplicate = _duplicate(ids)
    if duplicate is not None:
        raise MutationError(
            "orderLineId",
            "DUPLICATED_INPUT_ITEM",
            "Duplicated order line ID.",
            orderLines=[duplicate],
        )
    by_id = {line["id"]: line for line in order.get("lines") or []}
    for line_id in ids:
        decode_id(line_id, "OrderLine", "lines")
    missing = [line_id for line_id in ids if line_id not in by_id]
    if missing:
        message = f"Could not resolve to a node with the global id list of '{missing}'."
        raise MutationError("lines", "GRAPHQL_ERROR", message)
    for line_input in lines:
        line = by_id[line_input["orderLineId"]]
        remaining = quantity_to_fulfill(line)
        if sum(stock["quantity"] for stock in line_input["stocks"]) > remaining:
            plural = "" if remaining == 1 else "s"
            raise MutationError(
                "orderLineId",
                "FULFILL_ORDER_LINE",
                f"Only {remaining} item{plural} remaining to fulfill.",
                orderLines=[line["id"]],
            )
    if sum(stock["quantity"] for line_input in lines for stock in line_input["stocks"]) <= 0:
        raise MutationError("lines", "ZERO_QUANTITY", "Total quantity must be larger than 0.")
    plan: Plan = {}
    for line_input in lines:
        for stock in line_input["stocks"]:
            if stock["quantity"] > 0:
                decode_id(stock["warehouse"], "Warehouse", "warehouse")
                line = by_id[line_input["orderLineId"]]
                plan.setdefault(stock["warehouse"], []).append((line, stock["quantity"]))
    return plan


def _new_fulfillment(
    ctx: RequestContext, order: dict[str, Any], warehouse: str, items: list[Any], status: str
) -> dict[str, Any]:
    numbers = [int(f.get("fulfillmentOrder") or 0) for f in order.get("fulfillments") or []]
    lines = [
        {
            "__typename": "FulfillmentLine",
            "id": to_global_id("FulfillmentLine", ctx.store.next_pk("FulfillmentLine")),
            "quantity": qty,
            "orderLine": line,
            "stockWarehouseId": warehouse if _stock(ctx, line, warehouse) is not None else None,
        }
        for line, qty in items
    ]
    stock_warehouse = lines[0]["stockWarehouseId"]
    return {
        "__typename": "Fulfillment",
        "id": to_global_id("Fulfillment", ctx.store.next_pk("Fulfillment")),
        "fulfillmentOrder": max(numbers, default=0) + 1,
        "status": status,
        "trackingNumber": "",
        "created": now_iso(),
        "warehouse": warehouse_ref(ctx, stock_warehouse) if stock_warehouse else None,
        "lines": lines,
        "metadata": [],
        "privateMetadata": [],
    }


def _fulfilled_webhooks(ctx: RequestContext, order: dict[str, Any], approved: list[Any]) -> None:
    if order.get("status") == "FULFILLED":
        emit(ctx, "ORDER_FULFILLED", order)
        for fulfillment in approved:
            notify = fulfillment.get("notifyCustomer", True)
            emit(ctx, "FULFILLMENT_APPROVED", order, fulfillment=fulfillment, notifyCustomer=notify)


@mutation("orderFulfill")
@payload(*ORDER_ERRORS)
def order_fulfill(
    _parent: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any], order: str | None = None
) -> Any:
    """One fulfilment per warehouse; FULFILLED, or WAITING_FOR_APPROVAL without auto-approve."""
    ctx: RequestContext = info.context
    stored = get_node(ctx, order, "Order", field="order")
    settings = ctx.store.shop_settings
    approve = bool(settings["fulfillmentAutoApprove"])
    if not is_fully_paid(stored) and approve and not settings["fulfillmentAllowUnpaid"]:
        raise MutationError("order", "CANNOT_FULFILL_UNPAID_ORDER", "Cannot fulfill unpaid order.")
    plan = _clean_fulfill(stored, input["lines"])
    allow = bool(input.get("allowStockToBeExceeded"))
    for warehouse, items in plan.items():
        if not allow:
            missing = [line for line, _ in items if _stock(ctx, line, warehouse) is None]
            if missing:
                raise MutationError.of([_insufficient(warehouse, line) for line in missing])
        if approve:
            check_stock(ctx, [(line, warehouse, qty) for line, qty in items], allow)
    notify = True if input.get("notifyCustomer") is None else bool(input["notifyCustomer"])
    status = "FULFILLED" if approve else WAITING
    fulfillments = []
    for warehouse, items in plan.items():
        fulfillment = _new_fulfillment(ctx, stored, warehouse, items, status)
        fulfillment.update(trackingNumber=input.get("trackingNumber") or "", notifyCustomer=notify)
        for line, qty in items:
            if approve:
                take_stock(ctx, line, warehouse, qty)
            change_fulfilled(line, qty)
        stored["fulfillments"] = [*(stored.get("fulfillments") or []), fulfillment]
        fulfillments.append(fulfillment)
        if fulfillment["trackingNumber"]:
            emit(ctx, "FULFILLMENT_TRACKING_NUMBER_UPDATED", stored, fulfillment=fulfillment)
    items = [f_line for fulfillment in fulfillments for f_line in fulfillment["lines"]]
    if not approve:
        add_event(ctx, stored, "FULFILLMENT_AWAITS_APPROVAL", fulfilledItems=items)
        emit(ctx, "ORDER_UPDATED", stored)
        return {"fulfillments": fulfillments, "order": stored}
    update_status(stored)
    add_event(ctx, stored, "FULFILLMENT_FULFILLED_ITEMS", fulfilledItems=items)
    emit(ctx, "ORDER_UPDATED", stored)
    for fulfillment in fulfillments:
        emit(ctx, "FULFILLMENT_CREATED", stored, fulfillment=fulfillment, notifyCustomer=notify)
    _fulfilled_webhooks(ctx, stored, fulfillments)
    return {"fulfillments": fulfillments, "order": stored}
