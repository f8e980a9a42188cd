"""`shop` query: the fields of Shop the app reads (its Saleor version)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..auth import RequestContext
from .registry import query


@query("shop")
def resolve_shop(_parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """`Shop.version` is guarded by its description (AUTHENTICATED_STAFF_USER or _APP)."""
    ctx: RequestContext = info.context
    return {"version": ctx.store.saleor_version}
