"""webhookCreate by an app for itself (AUTHENTICATED_APP), as a webhook migration does."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo, parse, validate

from ..auth import RequestContext, require
from ..data import webhook_node
from .common import MutationError, payload
from .registry import mutation


@mutation("webhookCreate")
@payload("errors")
def webhook_create(_parent: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]) -> Any:
    ctx: RequestContext = info.context
    require(ctx, ["MANAGE_APPS", "AUTHENTICATED_APP"])
    app = ctx.principal.app
    if app is None:
        raise MutationError("app", "REQUIRED", "An app is required to create a webhook.")
    query = input.get("query") or ""
    try:
        errors = validate(info.schema, parse(query))
    except Exception as error:  # a syntax error
        raise MutationError("query", "SYNTAX", str(error)) from None
    if errors:
        raise MutationError("query", "GRAPHQL_ERROR", errors[0].message)
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
