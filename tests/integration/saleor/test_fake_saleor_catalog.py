"""Products, variants (SKU filter), warehouses and metadata mutations of the fake Saleor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.servers.fake_saleor import FakeSaleor
from tests.servers.fake_saleor.recordings import Replay, recorded_data

ORDER = "T3JkZXI6OWRlNjZkZjctNWUzYy00ZTVjLWE5YWUtNDU4YmIxM2UwMDc2"
SHIRT, TEE, DASH = (
    "UHJvZHVjdFZhcmlhbnQ6MzYx",
    "UHJvZHVjdFZhcmlhbnQ6MzQ4",
    "UHJvZHVjdFZhcmlhbnQ6MzM1",
)
PRODUCTS = [
    ("UHJvZHVjdDoxMzc=", "Blue Polygon Shirt", SHIRT, "218223580", "M"),
    ("UHJvZHVjdDoxMzQ=", "Monospace Tee", TEE, "328223580", "S"),
    ("UHJvZHVjdDoxMjk=", "Dash Force", DASH, "618223581", "39"),
    ("UHJvZHVjdDoxMjg=", "Other", "UHJvZHVjdFZhcmlhbnQ6MzMw", "118223580", "L"),
]
VARIANTS = """query($first: Int, $after: String, $skus: [String!]) {
  productVariants(first: $first, after: $after, filter: {sku: $skus}) {
  edges { node { sku } } pageInfo { hasNextPage endCursor } } }"""
UPDATE = """mutation($id: ID!, $input: [MetadataInput!]!) { updateMetadata(id: $id, input: $input) {
  item { __typename metadata { key value } } errors { field code message } } }"""
DELETE = """mutation($id: ID!, $keys: [String!]!) { deletePrivateMetadata(id: $id, keys: $keys) {
  item { privateMetadata { key } } errors { field code message } } }"""


@pytest.fixture
def fake() -> Iterator[FakeSaleor]:
    with FakeSaleor(retry_delays=(0.01,)) as saleor:
        for product_id, name, variant_id, sku, variant_name in PRODUCTS:
            variant = {"id": variant_id, "sku": sku, "name": variant_name}
            saleor.add_product({"id": product_id, "name": name, "variants": [variant]})
        saleor.add_order(recorded_data("order_full_fresh.json")["order"])
        yield saleor


def gql(fake: FakeSaleor, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    return requests.post(fake.api_url, json=body, headers=headers, timeout=5).json()


def test_sku_filter_drops_unknown_skus_and_ignores_the_filter_order(fake):
    app = fake.add_app("Responses standin", ["MANAGE_PRODUCTS"])

    actual, expected = Replay(fake.api_url, app.token).run("variants_by_sku.json")

    assert actual == expected
    skus = [edge["node"]["sku"] for edge in actual["data"]["productVariants"]["edges"]]
    assert skus == ["218223580", "328223580", "618223581"]


def test_variant_pages_follow_the_cursor(fake):
    first = gql(fake, None, VARIANTS, first=2)["data"]["productVariants"]
    rest = gql(fake, None, VARIANTS, first=2, after=first["pageInfo"]["endCursor"])

    assert [e["node"]["sku"] for e in first["edges"]] == ["118223580", "218223580"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest_page = rest["data"]["productVariants"]
    assert [e["node"]["sku"] for e in rest_page["edges"]] == ["328223580", "618223581"]
    assert rest_page["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("first", "message"),
    [
        (
            None,
            "You must provide a `first` or `last` value to properly paginate the "
            "`productVariants` connection.",
        ),
        (
            101,
            "Requesting 101 records on the `productVariants` connection exceeds the `first` "
            "limit of 100 records.",
        ),
    ],
)
def test_variant_pagination_limits(fake, first, message):
    body = gql(fake, None, VARIANTS, first=first)

    assert body["data"] == {"productVariants": None}
    assert [e["message"] for e in body["errors"]] == [message]


def test_product_and_variant_lookups(fake):
    query = """query($p: ID!, $v: ID!, $wrong: ID!) {
      product(id: $p) { name variants { id sku name } }
      productVariant(id: $v) { sku product { id name } }
      bySku: productVariant(sku: "618223581") { id }
      wrongType: product(id: $wrong) { id } }"""

    body = gql(fake, None, query, p="UHJvZHVjdDoxMzc=", v=TEE, wrong=TEE)
    bad = gql(fake, None, '{ product(id: "nope") { id } }')

    assert body["data"] == {
        "product": {
            "name": "Blue Polygon Shirt",
            "variants": [{"id": SHIRT, "sku": "218223580", "name": "M"}],
        },
        "productVariant": {
            "sku": "328223580",
            "product": {"id": "UHJvZHVjdDoxMzQ=", "name": "Monospace Tee"},
        },
        "bySku": {"id": DASH},
        "wrongType": None,
    }
    assert bad["errors"][0]["message"] == "Invalid ID: nope. Expected: Product."


def test_warehouses_come_in_saleors_order(fake):
    recorded_nodes = [e["node"] for e in recorded_data("warehouses.json")["warehouses"]["edges"]]
    for node in reversed(recorded_nodes):
        fake.add_warehouse(node)
    app = fake.add_app("Responses standin", ["MANAGE_ORDERS"])

    actual, expected = Replay(fake.api_url, app.token).run("warehouses.json")

    assert actual == expected


def test_one_default_warehouse_is_seeded_and_anonymous_is_denied(fake):
    app = fake.add_app("Drop-ship", ["MANAGE_ORDERS"])
    query = "{ warehouses(first: 5) { edges { node { name slug isPrivate } } } }"

    seeded = gql(fake, app.token, query)
    anonymous = gql(fake, None, query)

    assert seeded["data"]["warehouses"]["edges"] == [
        {"node": {"name": "Default Warehouse", "slug": "default-warehouse", "isPrivate": True}}
    ]
    assert anonymous["data"] == {"warehouses": None}
    assert anonymous["errors"][0]["message"] == (
        "To access this path, you need one of the following permissions: "
        "MANAGE_PRODUCTS, MANAGE_ORDERS, MANAGE_SHIPPING"
    )


def test_update_metadata_merges_overwrites_and_orders_keys_like_jsonb(fake):
    app = fake.add_app("Drop-ship", ["MANAGE_ORDERS"])

    gql(fake, app.token, UPDATE, id=ORDER, input=[{"key": "zz.long.key", "value": "1"}])
    body = gql(fake, app.token, UPDATE, id=ORDER, input=[{"key": "a", "value": "2"}])
    gql(fake, app.token, UPDATE, id=ORDER, input=[{"key": "a", "value": "3"}])

    assert body["data"]["updateMetadata"] == {
        "item": {
            "__typename": "Order",
            "metadata": [{"key": "a", "value": "2"}, {"key": "zz.long.key", "value": "1"}],
        },
        "errors": [],
    }
    assert fake.order(ORDER)["metadata"] == [
        {"key": "a", "value": "3"},
        {"key": "zz.long.key", "value": "1"},
    ]
    assert [e.event for e in fake.emitted_events] == ["ORDER_METADATA_UPDATED"] * 3


def test_delete_private_metadata_and_unchanged_writes_fire_nothing(fake):
    app = fake.add_app("Drop-ship", ["MANAGE_ORDERS"])
    write = """mutation($id: ID!) {
      updatePrivateMetadata(id: $id, input: [{key: "k", value: "v"}]) { errors { code } } }"""
    gql(fake, app.token, write, id=ORDER)
    gql(fake, app.token, write, id=ORDER)

    deleted = gql(fake, app.token, DELETE, id=ORDER, keys=["k", "missing"])

    assert deleted["data"]["deletePrivateMetadata"] == {
        "item": {"privateMetadata": []},
        "errors": [],
    }
    assert [e.event for e in fake.emitted_events] == ["ORDER_METADATA_UPDATED"] * 2


def test_variant_metadata_needs_manage_products(fake):
    orders_only = fake.add_app("Orders", ["MANAGE_ORDERS"])
    products = fake.add_app("Products", ["MANAGE_PRODUCTS"])
    data = [{"key": "supplier", "value": "ACME"}]

    denied = gql(fake, orders_only.token, UPDATE, id=SHIRT, input=data)
    allowed = gql(fake, products.token, UPDATE, id=SHIRT, input=data)

    assert denied["data"] == {"updateMetadata": None}
    assert denied["errors"][0]["message"] == (
        "To access this path, you need one of the following permissions: MANAGE_PRODUCTS"
    )
    assert allowed["data"]["updateMetadata"]["item"] == {
        "__typename": "ProductVariant",
        "metadata": data,
    }
    assert [e.event for e in fake.emitted_events] == [
        "PRODUCT_VARIANT_UPDATED",
        "PRODUCT_VARIANT_METADATA_UPDATED",
    ]


@pytest.mark.parametrize(
    ("object_id", "key", "error"),
    [
        (
            "not-an-id",
            "k",
            {"field": "id", "code": "GRAPHQL_ERROR", "message": "Couldn't resolve to a node."},
        ),
        (
            ORDER,
            " ",
            {"field": "input", "code": "REQUIRED", "message": "Metadata key cannot be empty."},
        ),
    ],
)
def test_metadata_errors(fake, object_id, key, error):
    app = fake.add_app("Drop-ship", ["MANAGE_ORDERS"])

    body = gql(fake, app.token, UPDATE, id=object_id, input=[{"key": key, "value": "v"}])

    assert body["data"]["updateMetadata"] == {"item": None, "errors": [error]}
