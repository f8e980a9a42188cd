"""`order(id:, externalReference:)` over the orders added with FakeSaleor.add_order."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..auth import RequestContext, require_principal
from ..data import from_global_id
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
