"""updateMetadata / updatePrivateMetadata / deleteMetadata / deletePrivateMetadata.

Saleor's order: decode the id, check the type's permission (top-level PermissionDenied), then
look the object up (NOT_FOUND on `id` in the mutation's errors), then merge and fire events.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLResolveInfo

from ..auth import RequestContext, require, require_principal
from ..data import from_global_id
from ..errors import NotImplementedInFake
from ..orders import emit
from .common import MutationError, payload
from .registry import mutation, resolver

ERROR_KEYS = ("errors", "metadataErrors")
# type -> (permission, webhook events fired when the metadata changed)
STORED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Order": ("MANAGE_ORDERS", ("ORDER_METADATA_UPDATED",)),
    "Fulfillment": ("MANAGE_ORDERS", ("FULFILLMENT_METADATA_UPDATED",)),
    "Product": ("MANAGE_PRODUCTS", ("PRODUCT_UPDATED", "PRODUCT_METADATA_UPDATED")),
    "ProductVariant": (
        "MANAGE_PRODUCTS",
        ("PRODUCT_VARIANT_UPDATED", "PRODUCT_VARIANT_METADATA_UPDATED"),
    ),
    "Warehouse": ("MANAGE_PRODUCTS", ("WAREHOUSE_METADATA_UPDATED",)),
}
_EVENT_ROOT = {"Product": "product", "ProductVariant": "productVariant", "Warehouse": "warehouse"}


def jsonb_order(items: dict[str, str]) -> list[dict[str, str]]:
    """Metadata as PostgreSQL jsonb returns it: keys sorted by length, then bytes."""
    keys = sorted(items, key=lambda k: (len(k.encode()), k.encode()))
    return [{"key": key, "value": items[key]} for key in keys]


def _target(info: GraphQLResolveInfo[Any], global_id: str) -> tuple[str, dict[str, Any]]:
    """(type name, stored object) or the mutation / permission error Saleor gives."""
    ctx: RequestContext = info.context
    require_principal(ctx)
    decoded = from_global_id(global_id)
    if decoded is None:
        raise MutationError("id", "GRAPHQL_ERROR", "Couldn't resolve to a node.")
    type_name = decoded[0]
    gql_type = info.schema.get_type(type_name)
    if not isinstance(gql_type, GraphQLObjectType):
        raise MutationError("id", "GRAPHQL_ERROR", f"Invalid type: {type_name}")
    interface = info.schema.get_type("ObjectWithMetadata")
    if not isinstance(interface, GraphQLInterfaceType) or interface not in gql_type.interfaces:
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve to a item with meta: {global_id}")
    if type_name not in STORED_TYPES:
        raise NotImplementedInFake(f"The fake Saleor stores no {type_name} objects.")
    require(ctx, [STORED_TYPES[type_name][0]])
    node = ctx.store.node(type_name, global_id)
    if node is None:
        raise MutationError("id", "NOT_FOUND", f"Couldn't resolve to a node: {global_id}")
    node.setdefault("__typename", type_name)
    return type_name, node


def _change(
    info: GraphQLResolveInfo[Any],
    global_id: str,
    key: str,
    update: dict[str, str] | None = None,
    delete: list[str] | None = None,
) -> dict[str, Any]:
    type_name, node = _target(info, global_id)
    if update is not None and any(not k.strip() for k in update):
        raise MutationError("input", "REQUIRED", "Metadata key cannot be empty.")
    before = {item["key"]: item["value"] for item in node.get(key) or []}
    after = {**before, **(update or {})}
    for name in delete or []:
        after.pop(name, None)
    if after != before:
        node[key] = jsonb_order(after)
        ctx: RequestContext = info.context
        for event in STORED_TYPES[type_name][1]:
            if type_name == "Order":
                emit(ctx, event, node)
            elif type_name == "Fulfillment":
                emit(ctx, event, _order_of(ctx, global_id), fulfillment=node)
            else:
                emit(ctx, event, None, **{_EVENT_ROOT[type_name]: node})
    return {"item": node}


def _order_of(ctx: RequestContext, fulfillment_id: str) -> dict[str, Any] | None:
    found = ctx.store.find_fulfillment(fulfillment_id)
    return found[0] if found else None


def _pairs(items: list[dict[str, str]]) -> dict[str, str]:
    return {item["key"]: item["value"] for item in items}


@mutation("updateMetadata")
@payload(*ERROR_KEYS)
def update_metadata(_p: Any, info: GraphQLResolveInfo[Any], id: str, input: list[Any]) -> Any:
    """Merge keys into `metadata` (existing keys are overwritten, others kept)."""
    return _change(info, id, "metadata", update=_pairs(input))


@mutation("updatePrivateMetadata")
@payload(*ERROR_KEYS)
def update_private(_p: Any, info: GraphQLResolveInfo[Any], id: str, input: list[Any]) -> Any:
    """Merge keys into `privateMetadata`."""
    return _change(info, id, "privateMetadata", update=_pairs(input))


@mutation("deleteMetadata")
@payload(*ERROR_KEYS)
def delete_metadata(_p: Any, info: GraphQLResolveInfo[Any], id: str, keys: list[str]) -> Any:
    """Remove keys from `metadata` (unknown keys are ignored)."""
    return _change(info, id, "metadata", delete=keys)


@mutation("deletePrivateMetadata")
@payload(*ERROR_KEYS)
def delete_private(_p: Any, info: GraphQLResolveInfo[Any], id: str, keys: list[str]) -> Any:
    """Remove keys from `privateMetadata`."""
    return _change(info, id, "privateMetadata", delete=keys)


def _metafield(parent: Any, field: str, key: str) -> str | None:
    """Saleor's resolve_metafield / resolve_private_metafield: the value, or null."""
    for item in parent.get(field) or []:
        if item.get("key") == key:
            return str(item.get("value"))
    return None


@resolver("Order", "privateMetafield")
def order_private_metafield(parent: Any, _info: GraphQLResolveInfo[Any], key: str) -> Any:
    return _metafield(parent, "privateMetadata", key)


@resolver("Order", "metafield")
def order_metafield(parent: Any, _info: GraphQLResolveInfo[Any], key: str) -> Any:
    return _metafield(parent, "metadata", key)
