"""Order state changes shared by the mutation resolvers: events, status, stock and allocations.

Every helper works on the stored dicts in place; callers hold `store.lock`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .auth import RequestContext
from .data import app_node, to_global_id

# Fulfilment states that do not block orderCancel (Order.can_cancel).
INACTIVE_FULFILLMENTS = frozenset(
    {"CANCELED", "REFUNDED", "REPLACED", "REFUNDED_AND_RETURNED", "RETURNED"}
)
_RETURNED = frozenset({"RETURNED", "REFUNDED_AND_RETURNED"})


def now_iso() -> str:
    """Saleor's DateTime format: 2026-11-29T00:52:31.834415+00:00."""
    return datetime.now(UTC).isoformat()


def actor(ctx: RequestContext) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(user, app) stored on order events and transactions made by this request."""
    principal = ctx.principal
    if principal.app is not None:
        return None, {"__typename": "App", "id": principal.app.app_id, "name": principal.app.name}
    if principal.user is not None:
        return dict(principal.user), None
    return None, None


def issuing_principal(ctx: RequestContext) -> dict[str, Any] | None:
    """`issuingPrincipal` of the webhooks this request causes: App, User or null."""
    principal = ctx.principal
    if principal.app is not None:
        return app_node(principal.app)
    return dict(principal.user) if principal.user is not None else None


def emit(
    ctx: RequestContext, event: str, order: dict[str, Any] | None = None, **extra: Any
) -> None:
    """Queue an async webhook event; it is published when the request has been answered."""
    ctx.extras.setdefault("events", []).append((event, order, extra))


def add_event(
    ctx: RequestContext, order: dict[str, Any], event_type: str, **fields: Any
) -> dict[str, Any]:
    """Append an OrderEvent (order.events are oldest first) and return it."""
    user, app = actor(ctx)
    event = {
        "__typename": "OrderEvent",
        "id": to_global_id("OrderEvent", ctx.store.next_pk("OrderEvent")),
        "date": now_iso(),
        "type": event_type,
        "user": user,
        "app": app,
        "message": None,
        "orderNumber": order.get("number"),
        **fields,
    }
    if not isinstance(order.get("events"), list):
        order["events"] = []
    order["events"].append(event)
    order["updatedAt"] = event["date"]
    return event


def is_fully_paid(order: dict[str, Any]) -> bool:
    """Order.is_fully_paid(): charged covers the total (isPaid / chargeStatus FULL)."""
    return bool(order.get("isPaid")) or order.get("chargeStatus") in ("FULL", "OVERCHARGED")


def money(order: dict[str, Any], amount: float) -> dict[str, Any]:
    """A Money object in the order's currency."""
    currency = ((order.get("total") or {}).get("gross") or {}).get("currency")
    currency = currency or (order.get("channel") or {}).get("currencyCode") or "USD"
    return {"amount": float(amount), "currency": currency}


def order_total(order: dict[str, Any]) -> float:
    """total.gross.amount (0 when the test order has no total)."""
    return float(((order.get("total") or {}).get("gross") or {}).get("amount") or 0)


def line_variant_id(line: dict[str, Any]) -> str | None:
    """The line's variant id (None when the variant was deleted)."""
    variant = line.get("variant")
    if isinstance(variant, dict) and variant.get("id"):
        return str(variant["id"])
    return line.get("productVariantId")


def quantity_to_fulfill(line: dict[str, Any]) -> int:
    """OrderLine.quantity_unfulfilled."""
    return int(line.get("quantity") or 0) - int(line.get("quantityFulfilled") or 0)


def change_fulfilled(line: dict[str, Any], delta: int) -> None:
    """Move `delta` units between quantityToFulfill and quantityFulfilled."""
    line["quantityFulfilled"] = int(line.get("quantityFulfilled") or 0) + delta
    line["quantityToFulfill"] = quantity_to_fulfill(line)


def update_status(order: dict[str, Any]) -> None:
    """saleor.order.utils.update_order_status: derive the status from lines and fulfilments."""
    lines = order.get("lines") or []
    total = sum(int(line.get("quantity") or 0) for line in lines)
    fulfilled = sum(int(line.get("quantityFulfilled") or 0) for line in lines)
    returned = replaced = 0
    fulfillments = order.get("fulfillments") or []
    for fulfillment in fulfillments:
        quantity = sum(
            int(f_line.get("quantity") or 0) for f_line in fulfillment.get("lines") or []
        )
        if fulfillment.get("status") in _RETURNED:
            returned += quantity
        elif fulfillment.get("status") == "REPLACED":
            replaced += quantity
    total, fulfilled = total - replaced, fulfilled - replaced
    awaiting = any(f.get("status") == "WAITING_FOR_APPROVAL" for f in fulfillments)
    if total == 0:
        return
    if fulfilled <= 0:
        order["status"] = "UNFULFILLED"
    elif 0 < returned < total:
        order["status"] = "PARTIALLY_RETURNED"
    elif returned == total:
        order["status"] = "RETURNED"
    elif fulfilled < total or awaiting:
        order["status"] = "PARTIALLY_FULFILLED"
    else:
        order["status"] = "FULFILLED"


def warehouse_ref(ctx: RequestContext, warehouse_id: str) -> dict[str, Any]:
    """A {id, name} reference to a warehouse (resolved against the store when read)."""
    stored = ctx.store.warehouses.get(warehouse_id) or {}
    return {"__typename": "Warehouse", "id": warehouse_id, "name": stored.get("name")}


def deallocate(line: dict[str, Any], quantity: int, warehouse_id: str | None = None) -> None:
    """Release up to `quantity` allocated units, the given warehouse first (entries stay, >= 0)."""
    allocations = line.get("allocations") or []
    ordered = sorted(
        allocations, key=lambda a: (a.get("warehouse") or {}).get("id") != warehouse_id
    )
    for allocation in ordered:
        taken = min(int(allocation.get("quantity") or 0), quantity)
        allocation["quantity"] = int(allocation.get("quantity") or 0) - taken
        quantity -= taken


def allocate(ctx: RequestContext, line: dict[str, Any], quantity: int, warehouse_id: str) -> None:
    """Allocate `quantity` units of the line in `warehouse_id` (adds or grows the entry)."""
    if not isinstance(line.get("allocations"), list):
        line["allocations"] = []
    for allocation in line["allocations"]:
        if (allocation.get("warehouse") or {}).get("id") == warehouse_id:
            allocation["quantity"] = int(allocation.get("quantity") or 0) + quantity
            return
    line["allocations"].append(
        {"warehouse": warehouse_ref(ctx, warehouse_id), "quantity": quantity}
    )


def change_stock(
    ctx: RequestContext, variant_id: str | None, warehouse_id: str, delta: int
) -> None:
    """Add `delta` to a Stock row (created when missing; never below 0)."""
    if variant_id is None:
        return
    current = ctx.store.get_stock(variant_id, warehouse_id) or 0
    ctx.store.set_stock(variant_id, warehouse_id, max(current + delta, 0))
