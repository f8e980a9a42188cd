"""The vendor API's keys (format, digest) and the checking of what a vendor posts: lines named
by id, SKU or vendor SKU, JSON paths in errors, request ids and fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainValidationError
from app.domain.vendor_api import (
    clean_acknowledgement_request,
    clean_idempotency_key,
    clean_shipment_request,
    relabel_line_errors,
    request_fingerprint,
)
from app.domain.vendor_api_keys import (
    format_api_key,
    new_api_key,
    parse_api_key,
    secret_digest,
    secret_matches,
)
from tests.builders import make_po_line, make_purchase_order

SHIRT, MUG = "line-SKU-SHIRT-M", "line-SKU-MUG"


def test_a_new_key_parses_back_and_only_its_secret_matches_the_digest():
    key_id, secret = new_api_key()
    plaintext = format_api_key(key_id, secret)

    assert parse_api_key(plaintext) == (key_id, secret)
    assert plaintext.startswith(f"dsk_{key_id}_") and len(secret) == 43
    assert secret_matches(secret, secret_digest(secret))
    assert not secret_matches(
        secret[:-1] + ("A" if secret[-1] != "A" else "B"), secret_digest(secret)
    )
    assert new_api_key() != (key_id, secret)


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "dsk_",
        "dsk_abc_def",
        "DSK_0123456789ab_" + "a" * 43,
        "dsk_0123456789ab_" + "a" * 42,
        "dsk_0123456789ab_" + "a" * 43 + "!",
        "x" * 10_000,
    ],
)
def test_anything_but_a_well_formed_key_is_no_key(presented):
    assert parse_api_key(presented) is None


def test_shipment_lines_are_named_by_id_sku_or_vendor_sku():
    po = make_purchase_order()
    wanted = clean_shipment_request(
        po,
        {
            "carrier": " ups ",
            "tracking_numbers": ["1Z1", "1Z2"],
            "lines": [
                {"order_line_id": SHIRT, "quantity": 2, "package": 1},
                {"vendor_sku": "ACME-200", "quantity": 1, "package": 2},
            ],
        },
    )

    assert wanted.quantities == {SHIRT: 2, MUG: 1}
    assert wanted.packages == {SHIRT: 0, MUG: 1}
    assert (wanted.carrier, wanted.tracking_numbers) == ("ups", ["1Z1", "1Z2"])


def test_every_bad_shipment_field_is_reported_at_its_json_path():
    po = make_purchase_order(
        lines=[
            make_po_line("SKU-A", "V-1", "Shirt", "M", 1, "1"),
            make_po_line("SKU-B", "V-1", "Shirt", "L", 1, "1"),
        ]
    )
    with pytest.raises(DomainValidationError) as refused:
        clean_shipment_request(
            po,
            {
                "carrier": 7,
                "tracking_numbers": "1Z1",
                "lines": [
                    {"vendor_sku": "V-1", "quantity": 1},
                    {"sku": "SKU-A", "quantity": True, "package": 3},
                    {"quantity": 1},
                    "line",
                    {"sku": "SKU-A", "quantity": 1},
                    {"sku": "SKU-A", "quantity": 1},
                ],
            },
        )

    assert refused.value.errors == {
        "carrier": "Must be a string.",
        "tracking_numbers": "Must be an array of 1 to 20 tracking numbers (strings).",
        "lines[0].vendor_sku": "Several lines have this vendor_sku: use order_line_id.",
        "lines[1].quantity": "Must be a whole number from 1 to 1000000.",
        "lines[1].package": "Must be the number of a tracking number, 1 to 1.",
        "lines[2]": "Name the line by order_line_id, sku or vendor_sku.",
        "lines[3]": "Must be an object.",
        "lines[4]": "This line is listed twice.",  # lines[1] named it already
        "lines[5]": "This line is listed twice.",
    }


def test_an_acknowledgement_keeps_each_lines_json_path_for_the_answer_rules_errors():
    po = make_purchase_order()
    answers, paths = clean_acknowledgement_request(
        po, {"lines": [{"sku": "SKU-MUG", "answer": "cancelled", "reason": ""}]}
    )

    assert answers == {MUG: {"answer": "cancelled", "expected_date": "", "reason": ""}}
    assert relabel_line_errors({f"lines.{MUG}.reason": "Say why."}, paths) == {
        "lines[0].reason": "Say why."
    }
    assert clean_acknowledgement_request(po, {}) == ({}, {})


def test_control_characters_are_refused_before_they_reach_storage():
    with pytest.raises(DomainValidationError) as refused:
        clean_acknowledgement_request(
            make_purchase_order(),
            {"lines": [{"sku": "SKU-MUG", "answer": "cancelled", "reason": "no\x00"}]},
        )

    assert refused.value.errors == {"lines[0].reason": "Remove the control characters."}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("shipment-1", "shipment-1"),
        (" a/b:c ", "a/b:c"),
        ("", None),
        ("a b", None),
        ("é", None),
        ("x" * 201, None),
    ],
)
def test_a_request_id_is_visible_ascii(raw, expected):
    assert clean_idempotency_key(raw) == expected


def test_the_fingerprint_ignores_whitespace_and_key_order_but_not_content():
    first = request_fingerprint("POST", "/p", {"a": 1, "b": [1, 2]})

    assert first == request_fingerprint("POST", "/p", {"b": [1, 2], "a": 1})
    assert first != request_fingerprint("POST", "/p", {"a": 1, "b": [2, 1]})
    assert first != request_fingerprint("POST", "/q", {"a": 1, "b": [1, 2]})


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_any_json_body_is_either_a_request_or_field_errors(body):
    po = make_purchase_order()
    for clean in (clean_shipment_request, clean_acknowledgement_request):
        try:
            clean(po, body if isinstance(body, dict) else {"lines": body})
        except DomainValidationError as error:
            assert error.errors and all(isinstance(m, str) for m in error.errors.values())
