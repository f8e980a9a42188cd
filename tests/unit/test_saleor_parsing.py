"""Saleor's recorded answers parse into the domain's typed order (adapters/saleor/parsing.py)."""

from __future__ import annotations

import json
from decimal import Decimal

from app.adapters.saleor.parsing import address_json, parse_address, parse_order, parse_product
from app.domain.money import Money
from app.domain.orders import Address
from tests.conftest import RESPONSES


def _recorded_order(name: str) -> dict:
    return json.loads((RESPONSES / name).read_text())["response"]["data"]["order"]


def test_recorded_order_parses_into_lines_allocations_fulfilments_and_address():
    raw = _recorded_order("order_full.json")

    order = parse_order(raw)

    assert (order.id, order.number, order.status) == (raw["id"], "28", "PARTIALLY_FULFILLED")
    assert order.customer_email == "ashley.cook@example.com"
    assert order.is_paid and order.charge_status == "FULL"
    assert order.total == Money(Decimal("335.0"), "USD")
    assert order.shipping_address == Address(
        "Ada", "Lovelace", "Analytical Engines LLC", "1600 Amphitheatre Parkway", "Building 4",
        "MOUNTAIN VIEW", "94043", "US", "CA", "+16502530000",
    )  # fmt: skip
    first, second, third = order.lines
    assert [(x.sku, x.quantity, x.quantity_fulfilled) for x in order.lines] == [
        ("218223580", 3, 2),
        ("618223581", 2, 1),
        ("328223580", 1, 1),
    ]
    assert first.allocated_warehouse_id == raw["lines"][0]["allocations"][0]["warehouse"]["id"]
    assert third.allocated_warehouse_id is None  # its only allocation is 0
    assert [(f.status, f.tracking_number, f.quantities) for f in order.fulfilments] == [
        ("FULFILLED", "1Z999AA10123456799", ((first.id, 2),)),
        ("FULFILLED", "1Z999AA10123456786", ((second.id, 1),)),
        ("FULFILLED", "1Z999AA10123456788", ((third.id, 1),)),
    ]
    assert order.fulfilments[1].warehouse_id is None
    assert order.raw == raw  # kept for audit


def test_address_round_trips_through_the_stored_shape():
    address = parse_address(_recorded_order("order_full.json")["shippingAddress"])

    assert address is not None
    assert parse_address(address_json(address)) == address
    assert parse_address(None) is None


def test_product_variants_parse_without_missing_names():
    product = parse_product(
        {"id": "P1", "name": "Shirt", "variants": [{"id": "V1", "sku": None, "name": "M"}]}
    )

    assert (product.name, product.variants[0].sku, product.scope_label("V1")) == (
        "Shirt",
        "",
        "Variant M",
    )
