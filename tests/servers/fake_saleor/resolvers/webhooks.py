"""webhookCreate / webhookUpdate by an app for its own webhooks (AUTHENTICATED_APP), as a
webhook migration does."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo, GraphQLSchema, parse, validate

from ..auth import RequestContext, require
from ..data import from_global_id, webhook_node
from ..models import InstalledApp
from .common import MutationError, payload
from .registry import mutation


def _own_app(ctx: RequestContext) -> InstalledApp:
    require(ctx, ["MANAGE_APPS", "AUTHENTICATED_APP"])
    app = ctx.principal.app
    if app is None:
        raise MutationError("app", "REQUIRED", "An app is required to change a webhook.")
    return app


def _checked_query(schema: GraphQLSchema, query: str) -> str:
    """Saleor validates a subscription query against its schema (GRAPHQL_ERROR / SYNTAX)."""
    try:
        errors = validate(schema, parse(query))
    except Exception as error:  # a syntax error
        raise MutationError("query", "SYNTAX", str(error)) from None
    if errors:
        raise MutationError("query", "GRAPHQL_ERROR", errors[0].message)
    return query


@mutation("webhookCreate")
@payload("errors")
def webhook_create(_parent: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]) -> Any:
    app = _own_app(info.context)
    query = _checked_query(info.schema, input.get("query") or "")
    if not str(input.get("targetUrl") or "").startswith(("http://", "https://")):
        raise MutationError("targetUrl", "INVALID", "Enter a valid URL.")
    hook = {
        "name": input.get("name") or "",
        "targetUrl": input["targetUrl"],
        "query": query,
        "asyncEvents": list(input.get("asyncEvents") or []),
        "isActive": input.get("isActive", True),
    }
    app.webhooks.append(hook)
    return {"webhook": webhook_node(app, len(app.webhooks) - 1, hook)}


@mutation("webhookUpdate")
@payload("errors")
def webhook_update(
    _parent: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any], id: str | None = None
) -> Any:
    app = _own_app(info.context)
    decoded = from_global_id(id) if id else None
    prefix = f"{app.app_id}-"
    if not decoded or decoded[0] != "Webhook" or not decoded[1].startswith(prefix):
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve id: {id}.")
    index = decoded[1].removeprefix(prefix)
    if not index.isdigit() or int(index) >= len(app.webhooks):
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve id: {id}.")
    hook = app.webhooks[int(index)]
    if "query" in input:
        hook["query"] = _checked_query(info.schema, input.get("query") or "")
    for key in ("name", "targetUrl", "isActive"):
        if key in input:
            hook[key] = input[key]
    if "asyncEvents" in input:
        hook["asyncEvents"] = list(input.get("asyncEvents") or [])
    return {"webhook": webhook_node(app, int(index), hook)}
