"""`order(id:, externalReference:)` over the orders added with FakeSaleor.add_order."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..auth import RequestContext, require_principal
from ..data import from_global_id
from ..errors import NotImplementedInFake
from .common import connection
from .registry import query


@query("order")
def resolve_order(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    id: str | None = None,
    externalReference: str | None = None,
) -> Any:
    """Anyone may read an order by its UUID id (field guards protect user/privateMetadata/...).

    Unknown or wrong-type ids give null; only an undecodable id is an error.
    """
    ctx: RequestContext = info.context
    require_principal(ctx)
    if id is not None:
        decoded = from_global_id(id)
        if decoded is None:
            raise GraphQLError(f"Invalid ID: {id}. Expected: Order.")
        return ctx.store.get_order(id) if decoded[0] == "Order" else None
    if externalReference is not None:
        return ctx.store.order_by_external_reference(externalReference)
    raise GraphQLError("At least one of arguments is required: 'id', 'externalReference'.")


_ORDER_WHERE_SUPPORTED = frozenset({"userEmail"})


@query("orders")
def resolve_orders(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    where: dict[str, Any] | None = None,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    **unsupported: Any,
) -> Any:
    """`orders(where: {userEmail: {eq}})`: the customer's orders, newest first (Saleor sorts by
    number, descending, by default). Drafts are never listed (Saleor's `orders` excludes them)."""
    ctx: RequestContext = info.context
    require_principal(ctx)
    where = where or {}
    if set(where) - _ORDER_WHERE_SUPPORTED or any(v is not None for v in unsupported.values()):
        raise NotImplementedInFake("The fake Saleor's `orders` filters on userEmail only.")
    with ctx.store.lock:
        found = [o for o in ctx.store.orders.values() if o.get("status") != "DRAFT"]
    email = (where.get("userEmail") or {}).get("eq")
    if email is not None:
        found = [o for o in found if o.get("userEmail") == email]
    return connection(
        found, lambda o: [int(o.get("number") or 0)], "orders", first, last, after, before,
        reverse=True,
    )  # fmt: skip
