"""Catalog records (products, variants, warehouses) with the defaults Saleor would resolve."""

from __future__ import annotations

import copy
import re
from typing import Any

# The recorded instance's "Default Warehouse" (responses/warehouses.json); seeded in every store.
DEFAULT_WAREHOUSE: dict[str, Any] = {
    "id": "V2FyZWhvdXNlOjhkZDhhNGZhLTVhNWQtNGMyMS1hZDEwLTdiNjU4MDg4NmNkYg==",
    "name": "Default Warehouse",
    "slug": "default-warehouse",
    "isPrivate": True,
    "companyName": "",
}
_EMPTY_CONNECTION = {
    "edges": [],
    "pageInfo": {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    },
    "totalCount": 0,
}


def warehouse_record(warehouse: dict[str, Any]) -> dict[str, Any]:
    """A stored Warehouse: `warehouse` (deep-copied) over Saleor-like defaults."""
    if not isinstance(warehouse.get("id"), str):
        raise ValueError("a warehouse needs a string global `id`")
    name = warehouse.get("name") or "Warehouse"
    address = {
        "companyName": warehouse.get("companyName", ""),
        "streetAddress1": "",
        "streetAddress2": "",
        "city": "",
        "cityArea": "",
        "postalCode": "",
        "country": {"code": "US", "country": "United States of America"},
        "countryArea": "",
        "phone": "",
    }
    return {
        "__typename": "Warehouse",
        "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        "isPrivate": True,
        "companyName": "",
        "email": "",
        "clickAndCollectOption": "DISABLED",
        "address": address,
        "shippingZones": copy.deepcopy(_EMPTY_CONNECTION),
        "metadata": [],
        "privateMetadata": [],
        "externalReference": None,
        **copy.deepcopy(warehouse),
    }


def product_record(product: dict[str, Any]) -> dict[str, Any]:
    """A stored Product; each of its `variants` gets `product {id name}` and metadata lists."""
    if not isinstance(product.get("id"), str):
        raise ValueError("a product needs a string global `id`")
    stored: dict[str, Any] = {"__typename": "Product", "metadata": [], "privateMetadata": []}
    stored.update(copy.deepcopy(product))
    ref = {"__typename": "Product", "id": stored["id"], "name": stored.get("name")}
    variants = []
    for variant in stored.get("variants") or []:
        if not isinstance(variant.get("id"), str):
            raise ValueError("a variant needs a string global `id`")
        base = {"__typename": "ProductVariant", "metadata": [], "privateMetadata": []}
        variants.append({**base, "trackInventory": True, **variant, "product": ref})
    stored["variants"] = variants
    return stored
