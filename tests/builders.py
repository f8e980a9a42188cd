"""Test data with sensible defaults, shaped like Saleor 3.23's answers (captures/order_created)."""

from __future__ import annotations

import base64
import itertools
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.adapters.saleor.parsing import parse_address
from app.domain.money import Money
from app.domain.purchase_orders import POLine, PurchaseOrder

_SEQUENCE = itertools.count(100_000)  # unique product and variant ids within a test run


def global_id(type_name: str, pk: object | None = None) -> str:
    return base64.b64encode(f"{type_name}:{pk or uuid.uuid4()}".encode()).decode()


def make_address(**changes: Any) -> dict[str, Any]:
    address = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "companyName": "Analytical Engines LLC",
        "streetAddress1": "1600 Amphitheatre Parkway",
        "streetAddress2": "",
        "city": "MOUNTAIN VIEW",
        "postalCode": "94043",
        "country": {"code": "US"},
        "countryArea": "CA",
        "phone": "+16502530000",
    }
    address.update(changes)
    return address


def make_line(
    sku: str = "218223580", quantity: int = 2, price: float = 45.0, **changes: Any
) -> dict[str, Any]:
    variant_id = global_id("ProductVariant", next(_SEQUENCE))
    line = {
        "id": global_id("OrderLine"),
        "productName": "Blue Polygon Shirt",
        "variantName": "M",
        "productSku": sku,
        "productVariantId": variant_id,
        "quantity": quantity,
        "quantityFulfilled": 0,
        "unitPrice": {"gross": {"amount": price, "currency": "USD"}},
        "variant": {
            "id": variant_id,
            "sku": sku,
            "product": {
                "id": global_id("Product", next(_SEQUENCE)),
                "name": "Blue Polygon Shirt",
            },
        },
        "allocations": [
            {
                "warehouse": {"id": global_id("Warehouse"), "name": "Default Warehouse"},
                "quantity": quantity,
            }
        ],
    }
    line.update(changes)
    return line


def make_order(
    number: str = "21", lines: list[dict[str, Any]] | None = None, **changes: Any
) -> dict[str, Any]:
    lines = (
        lines
        if lines is not None
        else [make_line(), make_line(sku="618223581", quantity=1, price=90.0)]
    )
    total = sum(line["quantity"] * line["unitPrice"]["gross"]["amount"] for line in lines)
    order = {
        "id": global_id("Order"),
        "number": number,
        "status": "UNFULFILLED",
        "created": "2026-11-29T00:38:23.076681+00:00",
        "updatedAt": "2026-11-29T00:38:28.546601+00:00",
        "userEmail": "ada.buyer@example.com",
        "user": None,
        "channel": {"slug": "default-channel", "currencyCode": "USD"},
        "shippingAddress": make_address(),
        "billingAddress": make_address(),
        "shippingMethodName": "Default",
        "isPaid": False,
        "chargeStatus": "NONE",
        "authorizeStatus": "NONE",
        "total": {"gross": {"amount": total, "currency": "USD"}},
        "lines": lines,
        "transactions": [],
        "metadata": [],
        "privateMetadata": [],
    }
    order.update(changes)
    return order


# Purchase orders as the domain holds them (not Saleor data).
def make_po_line(
    sku: str, vendor_sku: str, product: str, variant: str, quantity: int, cost: str
) -> POLine:
    return POLine(
        f"line-{sku}", sku, vendor_sku, product, variant, quantity, Money(Decimal(cost), "EUR")
    )


def make_purchase_order(lines: list[POLine] | None = None, **changes: Any) -> PurchaseOrder:
    po = PurchaseOrder(
        number="21-1",
        sequence=1,
        saleor_order_id="T3JkZXI6MjE=",
        order_number="21",
        vendor_id=3,
        vendor_name="Acme Supplies",
        currency="EUR",
        ship_to=parse_address(make_address()),
        customer_email="ada.buyer@example.com",
        lines=lines
        or [
            make_po_line("SKU-SHIRT-M", "ACME-100", "Blue Polygon Shirt", "M", 3, "12.50"),
            make_po_line("SKU-MUG", "ACME-200", "Mug", "", 1, "1234.5"),
        ],
        created_at=datetime(2026, 11, 29, 8, 30, tzinfo=UTC),
    )
    for name, value in changes.items():
        setattr(po, name, value)
    return po
