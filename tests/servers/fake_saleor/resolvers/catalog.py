"""Products, variants and warehouses added with FakeSaleor.add_product / add_warehouse.

Also resolves references stored inside orders (variant.product, fulfilment/allocation
warehouse, event app/user) against the store, like Saleor's foreign keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..auth import RequestContext, require_principal
from ..data import app_node, from_global_id
from .common import connection
from .registry import query, resolver


def _lookup(ctx: RequestContext, global_id: str, type_name: str) -> Any:
    """Saleor's node lookup for queries: undecodable id errors, wrong type gives null."""
    decoded = from_global_id(global_id)
    if decoded is None:
        raise GraphQLError(f"Invalid ID: {global_id}. Expected: {type_name}.")
    return ctx.store.node(type_name, global_id) if decoded[0] == type_name else None


def _variant_sort(variant: dict[str, Any]) -> list[Any]:
    return [variant.get("sku") or "", variant["id"]]


@query("productVariants")
def resolve_product_variants(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    ids: list[str] | None = None,
    filter: dict[str, Any] | None = None,
    search: str | None = None,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    **_ignored: Any,
) -> Any:
    """Filter by ids / sku / search; unknown SKUs are simply absent; ordered by SKU, not input."""
    ctx: RequestContext = info.context
    require_principal(ctx)
    with ctx.store.lock:
        variants = list(ctx.store.variants.values())
    filter = filter or {}
    if ids is not None:
        variants = [v for v in variants if v["id"] in ids]
    if filter.get("sku") is not None:
        variants = [v for v in variants if v.get("sku") in filter["sku"]]
    for text in (search, filter.get("search")):
        if text:
            variants = [
                v
                for v in variants
                if text.lower() in f"{v.get('name') or ''} {v.get('sku') or ''}".lower()
            ]
    return connection(variants, _variant_sort, "productVariants", first, last, after, before)


@query("productVariant")
def resolve_product_variant(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    id: str | None = None,
    sku: str | None = None,
    **_ignored: Any,
) -> Any:
    """By id (wrong type or unknown -> null) or by SKU."""
    ctx: RequestContext = info.context
    require_principal(ctx)
    if id is not None:
        return _lookup(ctx, id, "ProductVariant")
    if sku is not None:
        with ctx.store.lock:
            return next((v for v in ctx.store.variants.values() if v.get("sku") == sku), None)
    raise GraphQLError("At least one of arguments is required: 'id', 'sku', 'externalReference'.")


@query("product")
def resolve_product(
    _parent: Any, info: GraphQLResolveInfo[Any], id: str | None = None, **_ignored: Any
) -> Any:
    """By id; wrong type or unknown -> null."""
    ctx: RequestContext = info.context
    require_principal(ctx)
    if id is None:
        raise GraphQLError(
            "At least one of arguments is required: 'id', 'slug', 'externalReference'."
        )
    return _lookup(ctx, id, "Product")


@query("warehouses")
def resolve_warehouses(
    _parent: Any,
    info: GraphQLResolveInfo[Any],
    filter: dict[str, Any] | None = None,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    **_ignored: Any,
) -> Any:
    """Warehouses in Saleor's default order (slug descending, not by name)."""
    ctx: RequestContext = info.context
    with ctx.store.lock:
        warehouses = list(ctx.store.warehouses.values())
    filter = filter or {}
    if filter.get("ids") is not None:
        warehouses = [w for w in warehouses if w["id"] in filter["ids"]]
    if filter.get("search"):
        text = filter["search"].lower()
        warehouses = [w for w in warehouses if text in f"{w['name']} {w['email']}".lower()]
    return connection(
        warehouses,
        lambda w: [w["slug"], w["id"]],
        "warehouses",
        first,
        last,
        after,
        before,
        reverse=True,
    )


@query("warehouse")
def resolve_warehouse(
    _parent: Any, info: GraphQLResolveInfo[Any], id: str | None = None, **_ignored: Any
) -> Any:
    """By id; wrong type or unknown -> null."""
    ctx: RequestContext = info.context
    if id is None:
        raise GraphQLError("At least one of arguments is required: 'id', 'externalReference'.")
    return _lookup(ctx, id, "Warehouse")


def _stored_or_reference(table: Mapping[str, Any], reference: Any) -> Any:
    if isinstance(reference, Mapping) and reference.get("id") in table:
        return table[reference["id"]]
    return reference


@resolver("ProductVariant", "product")
def resolve_variant_product(parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """The stored product when known, else the reference kept in the order line."""
    reference = parent.get("product") if isinstance(parent, Mapping) else None
    return _stored_or_reference(info.context.store.products, reference)


@resolver("OrderLine", "variant")
def resolve_line_variant(parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """The stored variant when known (current metadata...), else the line's reference."""
    reference = parent.get("variant") if isinstance(parent, Mapping) else None
    return _stored_or_reference(info.context.store.variants, reference)


@resolver("Fulfillment", "warehouse")
@resolver("Allocation", "warehouse")
@resolver("OrderEvent", "warehouse")
def resolve_warehouse_reference(parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """The stored warehouse; a fulfilment made without a stock row has none (null)."""
    reference = parent.get("warehouse") if isinstance(parent, Mapping) else None
    return _stored_or_reference(info.context.store.warehouses, reference)


@resolver("OrderEvent", "app")
def resolve_event_app(parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """The app that made the change (full App when it is still installed)."""
    reference = parent.get("app") if isinstance(parent, Mapping) else None
    if isinstance(reference, Mapping):
        app = info.context.store.app_by_id(reference.get("id"))
        return app_node(app) if app is not None else reference
    return reference


@resolver("OrderEvent", "user")
def resolve_event_user(parent: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """Null unless the requestor has MANAGE_USERS/MANAGE_STAFF or is that user."""
    user = parent.get("user") if isinstance(parent, Mapping) else None
    principal = info.context.principal
    if user is None or principal.permissions & {"MANAGE_USERS", "MANAGE_STAFF"}:
        return user
    own = principal.user is not None and principal.user.get("id") == user.get("id")
    return user if own else None
