"""`app` query: the calling app, or another app by id with MANAGE_APPS."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..auth import RequestContext, require
from ..data import app_node, from_global_id
from .registry import query


@query("app")
def resolve_app(_parent: Any, info: GraphQLResolveInfo[Any], id: str | None = None) -> Any:
    """No id: the app whose token made the request (null for staff). With id: needs MANAGE_APPS."""
    ctx: RequestContext = info.context
    own = ctx.principal.app
    if id is None:
        return app_node(own) if own else None
    if from_global_id(id) is None:
        raise GraphQLError(f"Invalid ID: {id}. Expected: App.")
    if own is not None and own.app_id == id:
        return app_node(own)
    require(ctx, ["MANAGE_APPS"])
    app = ctx.store.app_by_id(id)
    return app_node(app) if app and not app.removed else None
