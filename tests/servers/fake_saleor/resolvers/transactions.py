"""`transactionRequestAction` as Saleor 3.23.28 answers it (responses/payments/): at once, with
only the new *_REQUEST event; the payment app's answer lands later (../transactions.py)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..auth import RequestContext
from ..data import from_global_id
from ..orders import actor, add_event, emit, money
from ..transactions import NO_HANDLER, _event, find_transaction
from .common import MutationError, payload
from .registry import mutation, resolver

ORDER_EVENTS = {"CHARGE": "TRANSACTION_CHARGE_REQUESTED", "CANCEL": "TRANSACTION_CANCEL_REQUESTED"}


@mutation("transactionRequestAction")
@payload("errors")
def transaction_request_action(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    actionType: str,
    id: str | None = None,
    token: str | None = None,
    amount: Any = None,
    **_: Any,
) -> Any:
    ctx: RequestContext = info.context
    if id is None and token is None:
        raise MutationError(
            None, "GRAPHQL_ERROR", "At least one of arguments is required: 'id', 'token'."
        )
    if id is None:
        raise MutationError("token", "NOT_FOUND", "The fake looks transactions up by id only.")
    decoded = from_global_id(id)
    if decoded is None or decoded[0] != "TransactionItem":
        received = decoded[0] if decoded else "unknown"
        raise GraphQLError(f"Invalid ID: {id}. Expected: TransactionItem, received: {received}.")
    found = find_transaction(ctx.store, id)
    if found is None:
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve to a node: {id}")
    order, transaction = found
    if actionType not in ORDER_EVENTS:
        raise MutationError("actionType", "INVALID", f"The fake does not {actionType}.")
    authorized = float(transaction["authorizedAmount"]["amount"])
    wanted = authorized if amount is None else float(Decimal(str(amount)))
    requested = min(wanted, authorized)  # cut down to the authorisation, silently
    user, app = actor(ctx)
    request = _event(
        ctx.store, f"{actionType}_REQUEST", money(order, requested), created_by=app or user
    )
    transaction["events"].insert(0, request)
    answer = copy.deepcopy(transaction)
    payments = ctx.store.payments
    if payments.behaviour(id).kind == "no_app":
        transaction["events"].insert(
            0, _event(ctx.store, f"{actionType}_FAILURE", money(order, requested), NO_HANDLER)
        )
        raise MutationError(None, "MISSING_TRANSACTION_ACTION_REQUEST_WEBHOOK", NO_HANDLER)
    add_event(
        ctx,
        order,
        ORDER_EVENTS[actionType],
        amount=requested,
        reference=transaction.get("pspReference"),
    )
    emit(ctx, "ORDER_UPDATED", order)
    payments.schedule(id, actionType, requested, request["id"])
    return {"transaction": answer}


@resolver("Order", "totalCharged")
def order_total_charged(parent: Any, _info: GraphQLResolveInfo[Any]) -> Any:
    """Stored when a transaction changed it; else the sum charged on the order's transactions."""
    if isinstance(parent.get("totalCharged"), dict):
        return parent["totalCharged"]
    charged = sum(
        float((t.get("chargedAmount") or {}).get("amount") or 0)
        for t in parent.get("transactions") or []
    )
    return money(parent, charged)


@resolver("Channel", "name")
def channel_name(parent: Any, _info: GraphQLResolveInfo[Any]) -> Any:
    """Test orders may leave the channel's name out: "default-channel" -> "Default Channel"."""
    return parent.get("name") or str(parent.get("slug") or "channel").replace("-", " ").title()
