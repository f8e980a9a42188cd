"""The PO as JSON for HTTP vendors (validated against docs/schemas/purchase-order.v1.json) and
the signature of each POST."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest

from app.domain.purchase_orders import POStatus
from app.domain.vendor_po_json import (
    amount_text,
    encode_document,
    purchase_order_document,
    signature,
    signed_headers,
)
from app.domain.vendor_shipping import ShippingInstructions
from tests.builders import make_purchase_order

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "docs" / "schemas" / "purchase-order.v1.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
SENT_AT = datetime(2026, 12, 1, 9, 15, 30, tzinfo=UTC)


def document(po=None, **changes):
    arguments = {
        "send_id": "po-7-42-r1",
        "vendor_code": "ACME",
        "buyer_name": "Polygon Shop",
        "buyer_email": "buyer@shop.test",
        "notes": "Use the side door.",
        "shipping": ShippingInstructions("Express", date(2026, 12, 3), "UPS", "01", "12345X"),
        "show_prices": True,
        "sent_at": SENT_AT,
    } | changes
    return purchase_order_document(po or make_purchase_order(), **arguments)


def test_the_document_says_what_the_po_is_and_is_valid_under_the_schema():
    doc = document()

    VALIDATOR.validate(doc)
    assert doc["version"] == "1"
    assert doc["type"] == "purchase_order"
    assert (doc["send_id"], doc["po_number"], doc["revision"], doc["order_number"]) == (
        "po-7-42-r1",
        "21-1",
        1,
        "21",
    )
    assert (doc["vendor_code"], doc["currency"], doc["total"]) == ("ACME", "EUR", "1272.00")
    assert doc["lines"] == [
        {
            "line_number": 1,
            "sku": "SKU-SHIRT-M",
            "vendor_sku": "ACME-100",
            "name": "Blue Polygon Shirt",
            "variant": "M",
            "quantity": 3,
            "unit_cost": "12.50",
        },
        {
            "line_number": 2,
            "sku": "SKU-MUG",
            "vendor_sku": "ACME-200",
            "name": "Mug",
            "variant": None,
            "quantity": 1,
            "unit_cost": "1234.50",
        },
    ]
    assert doc["shipping"] == {
        "requested_service": "Express",
        "carrier": "UPS",
        "service_code": "01",
        "carrier_account": "12345X",
        "ship_by": "2026-12-03",
    }
    assert doc["notes"] == "Use the side door."
    assert doc["buyer"] == {"name": "Polygon Shop", "email": "buyer@shop.test"}
    assert (doc["created_at"], doc["sent_at"]) == ("2026-11-29T08:30:00Z", "2026-12-01T09:15:30Z")
    assert doc["ship_to"]["country_code"] and doc["ship_to"]["street_address_1"]
    assert "customer_email" not in json.dumps(doc)  # the customer's email stays with the shop


def test_a_resend_is_the_next_revision_and_a_cancellation_notice_says_so():
    po = make_purchase_order(revision=2, status=POStatus.CANCEL_REQUESTED)

    doc = document(po)

    VALIDATOR.validate(doc)
    assert (doc["type"], doc["revision"]) == ("purchase_order.cancelled", 3)


def test_hidden_prices_and_missing_optional_parts_are_null_and_still_valid():
    doc = document(
        notes="",
        buyer_email="",
        shipping=ShippingInstructions("", None),
        show_prices=False,
    )

    VALIDATOR.validate(doc)
    assert [line["unit_cost"] for line in doc["lines"]] == [None, None]
    assert (doc["total"], doc["notes"], doc["buyer"]["email"]) == (None, None, None)
    assert set(doc["shipping"].values()) == {None}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"version": "2"}, "version"),
        ({"type": "purchase_order.updated"}, "type"),
        ({"revision": 0}, "revision"),
        ({"lines": []}, "lines"),
        ({"total": "12,50"}, "total"),
    ],
    ids=["version_case", "type_case", "revision_case", "no_lines_case", "amount_case"],
)
def test_the_schema_refuses_documents_that_break_the_contract(change, path):
    doc = document() | change

    errors = list(VALIDATOR.iter_errors(doc))

    assert [list(error.path)[:1] for error in errors] == [[path]]


def test_a_4_decimal_cost_keeps_its_decimals():
    from decimal import Decimal

    assert [amount_text(Decimal(x)) for x in ("12.5", "0.1234", "3", "2.5000")] == [
        "12.50",
        "0.1234",
        "3.00",
        "2.50",
    ]


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body_with_the_secret():
    body = encode_document(document())
    expected = hmac.new(b"dsk_secret", b"1764580530." + body, hashlib.sha256).hexdigest()

    assert signature("dsk_secret", 1764580530, body) == f"v1={expected}"
    assert signature("dsk_secret", 1764580531, body) != f"v1={expected}"
    assert signature("dsk_other", 1764580530, body) != f"v1={expected}"


def test_signed_headers_carry_the_timestamp_the_signature_and_the_idempotency_key():
    body = b'{"version":"1"}'

    headers = signed_headers("dsk_secret", 1764580530, body, "po-7-42-r1")

    assert headers == {
        "X-Dropship-Timestamp": "1764580530",
        "X-Dropship-Signature": signature("dsk_secret", 1764580530, body),
        "Idempotency-Key": "po-7-42-r1",
        "Content-Type": "application/json",
    }
    assert "dsk_secret" not in json.dumps(headers)


def test_the_body_is_compact_utf8_json_that_reads_back_the_same():
    doc = document(notes="Über die Brücke")

    body = encode_document(doc)

    assert "Über".encode() in body and b": " not in body
    assert json.loads(body) == doc
