"""Resolver registry keyed by (type, field), permission guards and the default dict resolver."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLResolveInfo, GraphQLSchema

from ..auth import RequestContext, require
from ..errors import NotImplementedInFake
from ..schema import field_permissions

Resolver = Callable[..., Any]
ROOT_TYPES = frozenset({"Query", "Mutation"})
DENIED = "You do not have permission to perform this action"

_RESOLVERS: dict[tuple[str, str], Resolver] = {}

# Guards the schema descriptions do not spell out (recorded in responses/order_anonymous.json).
EXTRA_GUARDS: dict[tuple[str, str], tuple[tuple[str, ...], str | None]] = {
    ("Order", "user"): (
        ("MANAGE_USERS", "MANAGE_ORDERS", "HANDLE_PAYMENTS", "HANDLE_TAXES", "OWNER"),
        None,
    ),
}
# privateMetadata needs the "manage" permission of the object type.
PRIVATE_METADATA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "Order": ("MANAGE_ORDERS",),
    "OrderLine": ("MANAGE_ORDERS",),
    "Fulfillment": ("MANAGE_ORDERS",),
    "FulfillmentLine": ("MANAGE_ORDERS",),
    "Product": ("MANAGE_PRODUCTS",),
    "ProductVariant": ("MANAGE_PRODUCTS",),
    "Warehouse": ("MANAGE_PRODUCTS",),
    "TransactionItem": ("HANDLE_PAYMENTS",),
    "App": ("MANAGE_APPS", "OWNER"),
    "Checkout": ("MANAGE_CHECKOUTS",),
}
_PRIVATE_FIELDS = frozenset({"privateMetadata", "privateMetafield", "privateMetafields"})
_STAFF_OR_APP = ("AUTHENTICATED_STAFF_USER", "AUTHENTICATED_APP")


def resolver(type_name: str, field_name: str) -> Callable[[Resolver], Resolver]:
    """Register `fn(parent, info, **args)` for `type_name.field_name`."""

    def register(fn: Resolver) -> Resolver:
        _RESOLVERS[(type_name, field_name)] = fn
        return fn

    return register


def query(field_name: str) -> Callable[[Resolver], Resolver]:
    """Register a root `Query` field resolver."""
    return resolver("Query", field_name)


def mutation(field_name: str) -> Callable[[Resolver], Resolver]:
    """Register a root `Mutation` field resolver."""
    return resolver("Mutation", field_name)


def guard_for(
    schema: GraphQLSchema, type_name: str, field_name: str
) -> tuple[tuple[str, ...], str | None] | None:
    """(permissions, custom message) protecting a field, or None when it is open."""
    if (type_name, field_name) in EXTRA_GUARDS:
        return EXTRA_GUARDS[(type_name, field_name)]
    if field_name in _PRIVATE_FIELDS:
        return PRIVATE_METADATA_PERMISSIONS.get(type_name, _STAFF_OR_APP), DENIED
    perms = field_permissions(schema).get((type_name, field_name))
    return (perms, None) if perms else None


def _missing_value(info: GraphQLResolveInfo[Any]) -> Any:
    """Absent keys: [] for non-null lists (Saleor never returns null there), else None."""
    return_type = info.return_type
    if isinstance(return_type, GraphQLNonNull) and isinstance(return_type.of_type, GraphQLList):
        return []
    return None


def field_resolver(parent: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
    """Check the field's guard, then use a registered resolver or read the key from a dict."""
    ctx: RequestContext = info.context
    type_name, field_name = info.parent_type.name, info.field_name
    guard = guard_for(info.schema, type_name, field_name)
    if guard:
        require(ctx, guard[0], message=guard[1], parent=parent, type_name=type_name)
    fn = _RESOLVERS.get((type_name, field_name))
    if fn is not None:
        return fn(parent, info, **args)
    if type_name in ROOT_TYPES:
        raise NotImplementedInFake(
            f"The fake Saleor has no resolver for {type_name}.{field_name}; "
            "register one in tests/servers/fake_saleor/resolvers/."
        )
    if isinstance(parent, Mapping):
        return parent[field_name] if field_name in parent else _missing_value(info)
    return getattr(parent, field_name, None)
