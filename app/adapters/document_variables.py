"""The plain values PO and packing slip templates see (documented in app/templates/README.md).

Merchant templates never see domain objects: every render gets dicts, lists and strings built
here. With prices hidden, every amount is an empty string, so no template can print one.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from app.adapters.barcodes import code128_data_uri
from app.domain.money import Money, quantize
from app.domain.orders import Address
from app.domain.purchase_orders import POLine, POStatus, PurchaseOrder
from app.domain.vendor_shipping import ShippingInstructions
from app.services.ports import DocumentContext, SlipContext


def template_variables(po: PurchaseOrder, context: DocumentContext) -> dict[str, Any]:
    """The variables every PO template sees (documented in app/templates/README.md).

    With prices hidden, every amount is an empty string: no template can print one."""
    created = po.created_at or datetime.now(UTC)
    prices = context.show_prices
    return {
        "po": {
            "number": po.number,
            "order_number": po.order_number,
            "date": created.date().isoformat(),
            "currency": po.currency,
            "total": format_amount(po.total) if prices else "",
            "customer_email": po.customer_email,
            "revision": po.revision,
            "cancelled": po.status is POStatus.CANCEL_REQUESTED,
            "amended": po.is_amended,
        },
        "amendment": amendment_variables(po),
        "vendor": {"name": po.vendor_name, "code": context.vendor_code},
        "lines": [
            _line_variables(line, prices) | {"change": line_change(po, line)} for line in po.lines
        ],
        "ship_to": ship_to_fields(po.ship_to),
        "shop_name": context.shop_name,
        "merchant_email": context.merchant_email,
        "po_notes": context.po_notes,
        "show_prices": prices,
        "shipping": shipping_variables(po, context.shipping),
        "portal_url": context.portal_url,
    }


def shipping_variables(
    po: PurchaseOrder, instructions: ShippingInstructions | None
) -> dict[str, str]:
    """How to ship, as printed on the PO: service, ship-by date, the vendor's code, account."""
    shipping = instructions or ShippingInstructions(po.requested_service, po.ship_by)
    return {
        "service": shipping.requested_service,
        "ship_by": shipping.ship_by.isoformat() if shipping.ship_by else "",
        "carrier": shipping.carrier,
        "service_code": shipping.service_code,
        "account": shipping.account_number,
        "account_line": shipping.account_line,
    }


def slip_variables(po: PurchaseOrder, context: SlipContext) -> dict[str, Any]:
    """What the packing slip and its message see: the shop and the customer, never a price
    or the vendor."""
    created = po.created_at or datetime.now(UTC)
    ship_to = ship_to_fields(po.ship_to)
    logo = context.logo
    return {
        "shop_name": context.shop_name,
        "return_address": [line for line in context.return_address.splitlines() if line],
        "logo": (
            f"data:{logo.content_type};base64,{base64.b64encode(logo.data).decode('ascii')}"
            if logo
            else ""
        ),
        "po": {"number": po.number, "order_number": po.order_number},
        "date": created.date().isoformat(),
        "customer": {"name": ship_to["name"], "first_name": po.ship_to.first_name},
        "ship_to": ship_to,
        "lines": [
            {"sku": line.sku, "name": _line_name(line), "quantity": line.quantity}
            for line in po.lines
        ],
        "barcode": code128_data_uri(po.number) or "",
    }


def format_amount(money: Money, thousands: bool = True) -> str:
    """2 decimals, rounded half up: "1,234.50" (or "1234.50" without thousands separators)."""
    return f"{quantize(money.amount):{',' if thousands else ''}.2f}"


def ship_to_fields(address: Address) -> dict[str, Any]:
    """An address as flat strings, plus ``lines`` ready to print."""
    code = address.country_code
    fields = {
        "name": " ".join((address.first_name, address.last_name)),
        "company": address.company_name,
        "street1": address.street_address_1,
        "street2": address.street_address_2,
        "city": address.city,
        "postal_code": address.postal_code,
        "country_area": address.country_area,
        "country": code,
        "phone": address.phone,
    }
    city_line = " ".join(v for v in (fields["postal_code"], fields["city"]) if v)
    printed = (fields["name"], fields["company"], fields["street1"], fields["street2"], city_line)
    region = ", ".join(v for v in (fields["country_area"], code) if v)
    return fields | {"lines": [v for v in (*printed, region) if v]}


def amendment_variables(po: PurchaseOrder) -> dict[str, Any]:
    """What the amended PO highlights (empty values when the PO is not amended)."""
    amendment = po.amendment if po.is_amended else None
    return {
        "label": po.amended_label,
        "revision": po.amended_revision if amendment else None,
        "changes": amendment.describe() if amendment else [],
        "ship_to_changed": bool(amendment and amendment.address_changed),
        "ship_to_fields": list(amendment.changed_address_fields) if amendment else [],
    }


def line_change(po: PurchaseOrder, line: POLine) -> str:
    """How the amended PO changed this line: "removed", "quantity 2 → 3", or ""."""
    change = po.amendment.line(line.order_line_id) if po.is_amended and po.amendment else None
    if change is None:
        return ""
    if change.removed:
        return f"removed (was {change.old_quantity})"
    return f"quantity {change.old_quantity} → {change.new_quantity}"


def _line_name(line: POLine) -> str:
    return line.product_name + (f" — {line.variant_name}" if line.variant_name else "")


def _line_variables(line: POLine, prices: bool = True) -> dict[str, Any]:
    return {
        "vendor_sku": line.vendor_sku,
        "sku": line.sku,
        "product_name": line.product_name,
        "variant_name": line.variant_name,
        "name": _line_name(line),
        "quantity": line.quantity,
        "unit_cost": format_amount(line.unit_cost) if prices else "",
        "total": format_amount(line.total) if prices else "",
    }
