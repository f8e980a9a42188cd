"""orderNoteAdd, orderConfirm, orderMarkAsPaid and orderCancel over the stored orders.

The MANAGE_ORDERS guard comes from the schema description (top-level PermissionDenied);
business rules answer in the mutation's own `errors`, like Saleor 3.23.
"""

from __future__ import annotations

import uuid
from typing import Any

from graphql import GraphQLResolveInfo

from ..auth import RequestContext
from ..data import app_node, to_global_id
from ..orders import (
    INACTIVE_FULFILLMENTS,
    actor,
    add_event,
    deallocate,
    emit,
    money,
    now_iso,
    order_total,
)
from .common import MutationError, get_node, payload
from .registry import mutation

ORDER_ERRORS = ("errors", "orderErrors")
MARK_AS_PAID_TRANSACTION_NAME = "Mark-as-paid transaction"


@mutation("orderNoteAdd")
@payload("errors")
def order_note_add(
    _parent: Any, info: GraphQLResolveInfo[Any], order: str, input: dict[str, Any]
) -> Any:
    """NOTE_ADDED event; a blank message is REQUIRED on `message`; fires ORDER_UPDATED."""
    ctx: RequestContext = info.context
    stored = get_node(ctx, order, "Order")
    message = (input.get("message") or "").strip()
    if not message:
        raise MutationError("message", "REQUIRED", "Message can't be empty.")
    event = add_event(ctx, stored, "NOTE_ADDED", message=message)
    emit(ctx, "DRAFT_ORDER_UPDATED" if stored.get("status") == "DRAFT" else "ORDER_UPDATED", stored)
    return {"order": stored, "event": event}


@mutation("orderConfirm")
@payload(*ORDER_ERRORS)
def order_confirm(_parent: Any, info: GraphQLResolveInfo[Any], id: str) -> Any:
    """UNCONFIRMED -> UNFULFILLED with a CONFIRMED event; anything else is INVALID on `id`."""
    ctx: RequestContext = info.context
    order = get_node(ctx, id, "Order")
    if order.get("status") != "UNCONFIRMED":
        raise MutationError(
            "id",
            "INVALID",
            "Provided order id belongs to an order with status different than unconfirmed.",
        )
    if not order.get("lines"):
        raise MutationError(
            "id", "INVALID", "Provided order id belongs to an order without products."
        )
    order["status"] = "UNFULFILLED"
    add_event(ctx, order, "CONFIRMED")
    emit(ctx, "ORDER_CONFIRMED", order)
    return {"order": order}


def _creator(ctx: RequestContext) -> dict[str, Any] | None:
    user, app = actor(ctx)
    if app is not None and ctx.principal.app is not None:
        return app_node(ctx.principal.app)
    return user


def _mark_as_paid_transaction(
    ctx: RequestContext, order: dict[str, Any], reference: str | None
) -> dict[str, Any]:
    """The TransactionItem that markAsPaidStrategy TRANSACTION_FLOW creates."""
    pk, now, total = uuid.uuid4(), now_iso(), order_total(order)
    creator = _creator(ctx)
    event = {
        "__typename": "TransactionEvent",
        "id": to_global_id("TransactionEvent", ctx.store.next_pk("TransactionEvent")),
        "createdAt": now,
        "pspReference": "",
        "message": "Manual adjustment of the transaction.",
        "type": "CHARGE_SUCCESS",
        "amount": money(order, total),
        "createdBy": creator,
    }
    zero = money(order, 0)
    return {
        "__typename": "TransactionItem",
        "id": to_global_id("TransactionItem", pk),
        "token": str(pk),
        "createdAt": now,
        "modifiedAt": now,
        "name": MARK_AS_PAID_TRANSACTION_NAME,
        "message": "",
        "pspReference": reference or "",
        "actions": ["REFUND"],
        "authorizedAmount": zero,
        "authorizePendingAmount": zero,
        "chargedAmount": money(order, total),
        "chargePendingAmount": zero,
        "refundedAmount": zero,
        "refundPendingAmount": zero,
        "canceledAmount": zero,
        "cancelPendingAmount": zero,
        "events": [event],
        "createdBy": creator,
        "externalUrl": "",
        "metadata": [],
        "privateMetadata": [],
    }


@mutation("orderMarkAsPaid")
@payload(*ORDER_ERRORS)
def order_mark_as_paid(
    _parent: Any, info: GraphQLResolveInfo[Any], id: str, transactionReference: str | None = None
) -> Any:
    """TRANSACTION_FLOW: a charged "Mark-as-paid transaction"; status unchanged."""
    ctx: RequestContext = info.context
    order = get_node(ctx, id, "Order")
    if not order.get("billingAddress"):
        raise MutationError(
            None,
            "BILLING_ADDRESS_NOT_SET",
            "Order billing address is required to mark order as paid.",
        )
    for key, noun in (("payments", "payments"), ("transactions", "transactions")):
        if order.get(key):
            raise MutationError(
                "payment",
                "PAYMENT_ERROR",
                f"Orders with {noun} can not be manually marked as paid.",
            )
    order["transactions"] = [_mark_as_paid_transaction(ctx, order, transactionReference)]
    total = order_total(order)
    order.update(
        isPaid=True,
        chargeStatus="FULL",
        authorizeStatus="FULL",
        totalCharged=money(order, total),
        totalAuthorized=money(order, 0),
    )
    add_event(ctx, order, "ORDER_MARKED_AS_PAID", transactionReference=transactionReference)
    emit(ctx, "ORDER_FULLY_PAID", order)
    emit(ctx, "ORDER_UPDATED", order)
    return {"order": order}


@mutation("orderCancel")
@payload(*ORDER_ERRORS)
def order_cancel(_parent: Any, info: GraphQLResolveInfo[Any], id: str) -> Any:
    """CANCELED (allocations -> 0, entries kept); refused while active fulfilments exist."""
    ctx: RequestContext = info.context
    order = get_node(ctx, id, "Order")
    active = [
        f for f in order.get("fulfillments") or [] if f.get("status") not in INACTIVE_FULFILLMENTS
    ]
    if active or order.get("status") in ("CANCELED", "DRAFT", "EXPIRED"):
        raise MutationError("order", "CANNOT_CANCEL_ORDER", "This order can't be canceled.")
    add_event(ctx, order, "CANCELED")
    for line in order.get("lines") or []:
        deallocate(line, sum(int(a.get("quantity") or 0) for a in line.get("allocations") or []))
    order["status"] = "CANCELED"
    emit(ctx, "ORDER_CANCELLED", order)
    emit(ctx, "ORDER_UPDATED", order)
    return {"order": order}
