"""Vendor document and shipping options: instructions, file names, form cleaning; logos."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.domain.errors import DomainValidationError, RuleViolation
from app.domain.logos import MAX_LOGO_BYTES, clean_logo
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.purchase_orders import PurchaseOrder
from app.domain.vendor_shipping import (
    CarrierAccount,
    DocumentSet,
    ServiceMapping,
    ShippingInstructions,
    VendorShipping,
    clean_vendor_shipping,
    shipping_instructions,
)

SHIPPING = VendorShipping(
    service_map=(ServiceMapping("Express", "UPS", "01"), ServiceMapping("Economy", "USPS", "GA")),
    carrier_accounts=(CarrierAccount("UPS", "1234X5"),),
)
SHIP_BY = date(2026, 12, 3)


def test_a_mapped_service_names_the_vendors_code_and_the_shops_account():
    instructions = shipping_instructions("express", SHIP_BY, SHIPPING)

    assert instructions == ShippingInstructions("express", SHIP_BY, "UPS", "01", "1234X5")
    assert instructions.account_line == "Ship on our UPS account 1234X5"


def test_a_carrier_without_an_account_and_an_unmapped_service():
    assert shipping_instructions("Economy", None, SHIPPING).account_line == ""
    assert shipping_instructions("Pigeon", SHIP_BY, SHIPPING) == ShippingInstructions(
        "Pigeon", SHIP_BY
    )


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param("", "PO-1042-1.pdf", id="default_case"),
        pytest.param("ACME_{po}_{document}", "ACME_1042-1_PO.pdf", id="vendor_names_case"),
        pytest.param("../{order}/x y{document}", "1042_x_yPO.pdf", id="sanitised_case"),
    ],
)
def test_file_names_are_the_vendors_and_safe(pattern, expected):
    shipping = VendorShipping(file_name_pattern=pattern)

    assert shipping.file_name("PO", "1042-1", "1042", "pdf") == expected


def test_prices_reach_the_vendor_only_on_a_po_with_prices_shown():
    assert VendorShipping().prices_visible
    assert not VendorShipping(show_prices=False).prices_visible
    assert not VendorShipping(documents=DocumentSet.SLIP).prices_visible


def test_the_vendor_form_is_cleaned_and_absent_fields_are_kept():
    cleaned = clean_vendor_shipping(
        {
            "documents": "slip",
            "show_prices": "0",
            "file_name_pattern": "ACME_{po}",
            "service_map": "Express = UPS 01\n\n Next day air = FedEx PRIORITY_OVERNIGHT",
            "carrier_accounts": "UPS = 1234X5",
        },
        VendorShipping(),
    )

    assert cleaned.documents is DocumentSet.SLIP and not cleaned.show_prices
    assert cleaned.service_map == (
        ServiceMapping("Express", "UPS", "01"),
        ServiceMapping("Next day air", "FedEx", "PRIORITY_OVERNIGHT"),
    )
    assert cleaned.carrier_accounts == (CarrierAccount("UPS", "1234X5"),)
    assert clean_vendor_shipping({"show_prices": "1"}, cleaned).service_map == cleaned.service_map


def test_bad_vendor_shipping_fields_are_each_reported():
    with pytest.raises(DomainValidationError) as bad:
        clean_vendor_shipping(
            {
                "documents": "fax",
                "file_name_pattern": "{vendor}",
                "service_map": "Express UPS 01",
                "carrier_accounts": "UPS = <script>",
            },
            VendorShipping(),
        )
    assert sorted(bad.value.errors) == [
        "carrier_accounts", "documents", "file_name_pattern", "service_map",
    ]  # fmt: skip


def _png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_logos_are_told_by_their_bytes():
    assert clean_logo(_png(300, 100)).content_type == "image/png"
    jpeg = clean_logo(_jpeg(640, 200))
    assert (jpeg.content_type, jpeg.width, jpeg.height) == ("image/jpeg", 640, 200)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"GIF89a" + b"\x00" * 20, "must be a PNG or JPEG", id="gif_case"),
        pytest.param(b"<svg onload=alert(1)>", "must be a PNG or JPEG", id="svg_case"),
        pytest.param(_png(2001, 10), "2001 x 10 pixels", id="too_wide_case"),
        pytest.param(_png(0, 10), "0 x 10 pixels", id="empty_case"),
        pytest.param(_jpeg(10, 10)[:12], "damaged", id="truncated_jpeg_case"),
        pytest.param(_png(10, 10) + b"\x00" * MAX_LOGO_BYTES, "over 512 KB", id="too_large_case"),
    ],
)
def test_other_files_are_refused_with_the_reason(data, message):
    with pytest.raises(DomainValidationError) as bad:
        clean_logo(data)
    assert message in bad.value.errors["logo"]


def test_a_pos_shipping_cost_is_in_its_currency_and_never_negative():
    po = PurchaseOrder("21-1", 1, "order", "21", 3, "Acme", "EUR", Address(), "", [])
    at = datetime(2026, 12, 1, tzinfo=UTC)

    po.set_shipping_cost(Money(Decimal("7.499"), "EUR"), actor="ada@shop.test", at=at)
    assert str(po.shipping_cost) == "7.50 EUR"
    for bad in (Money(Decimal("7"), "USD"), Money(Decimal("-1"), "EUR")):
        with pytest.raises(RuleViolation):
            po.set_shipping_cost(bad, actor="ada@shop.test", at=at)
    po.set_shipping_cost(None, actor="ada@shop.test", at=at)
    assert po.shipping_cost is None
    assert [e.detail for e in po.events] == ["7.50 EUR", "cleared"]
