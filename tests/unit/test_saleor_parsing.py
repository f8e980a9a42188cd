"""Saleor's recorded answers parse into the domain's typed order (adapters/saleor/parsing.py)."""

from __future__ import annotations

import json
from decimal import Decimal

from app.adapters.saleor.parsing import (
    address_json,
    parse_address,
    parse_order,
    parse_product,
    parse_risk_facts,
)
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


def test_recorded_order_parses_into_risk_facts():
    facts = parse_risk_facts(_recorded_order("order_full.json"), customer_order_count=3)

    assert (facts.number, facts.email, facts.user_id) == (
        "28",
        "ashley.cook@example.com",
        "VXNlcjo2",
    )
    assert facts.created_at is not None and facts.created_at.tzinfo is not None
    assert facts.billing_address.country_code == "DE"
    assert facts.shipping_address.country_code == "US"
    assert facts.total == Money(Decimal("335.0"), "USD")
    assert (facts.lines[0].name, facts.lines[0].quantity) == ("Blue Polygon Shirt M", 3)
    # the mark-as-paid transaction: its event and reference, no card, no Stripe intent
    assert [(e.kind, e.message) for e in facts.payment_events] == [
        ("CHARGE_SUCCESS", "Manual adjustment of the transaction.")
    ]
    assert facts.psp_references == ("PO-REF-0001",)
    assert (facts.card_key, facts.ip_addresses, facts.stripe_payment_intents) == ("", (), ())


def test_risk_facts_read_the_legacy_payment_and_the_card_details():
    order = {
        "id": "T3JkZXI6MQ==",
        "number": "7",
        "created": "2026-11-29T00:52:31",
        "userEmail": "x@example.com",
        "user": None,
        "payments": [
            {"pspReference": "pi_legacy", "customerIpAddress": "203.0.113.9",
             "creditCard": {"brand": "Visa", "lastDigits": "4242", "expMonth": 1, "expYear": 2031}},
        ],
        "transactions": [
            {"pspReference": "pi_3Q", "paymentMethodDetails": None,
             "events": [{"type": "AUTHORIZATION_FAILURE", "message": "Declined"}]},
        ],
    }  # fmt: skip

    facts = parse_risk_facts(order, None)

    assert facts.is_guest and facts.customer_order_count is None
    assert facts.created_at is not None and facts.created_at.tzinfo is not None
    assert facts.ip_addresses == ("203.0.113.9",)
    assert facts.card_key == "visa-4242-1/2031"
    assert facts.stripe_payment_intents == ("pi_3Q", "pi_legacy")
    assert [e.kind for e in facts.payment_events] == ["AUTHORIZATION_FAILURE"]
