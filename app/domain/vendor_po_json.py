"""The purchase order as JSON for HTTP vendors (version 1), and how each POST is signed.

The document is specified in ``docs/vendor-api.md`` and ``docs/schemas/purchase-order.v1.json``.
A field is never removed or changed in meaning within a version; new optional fields may be
added. The signature is HMAC-SHA256 with the vendor's secret over ``"{timestamp}.{body}"``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from app.domain.money import Money, quantize
from app.domain.orders import Address
from app.domain.purchase_orders import POStatus, PurchaseOrder
from app.domain.vendor_shipping import ShippingInstructions

VERSION = "1"
PURCHASE_ORDER = "purchase_order"
CANCELLED = "purchase_order.cancelled"
SIGNATURE_SCHEME = "v1"
TIMESTAMP_HEADER = "X-Dropship-Timestamp"
SIGNATURE_HEADER = "X-Dropship-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_WINDOW_SECONDS = 300  # what docs/vendor-api.md asks receivers to accept


def amount_text(amount: Decimal) -> str:
    """12.5 as "12.50"; the extra decimals of a 4-decimal cost are kept."""
    rounded = quantize(amount)
    return str(rounded) if amount == rounded else format(amount.normalize(), "f")


def _money(money: Money | None, show: bool) -> str | None:
    return amount_text(money.amount) if money is not None and show else None


def _moment(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at is not None else None


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _ship_to(address: Address) -> dict[str, str]:
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company_name": address.company_name,
        "street_address_1": address.street_address_1,
        "street_address_2": address.street_address_2,
        "city": address.city,
        "postal_code": address.postal_code,
        "country_area": address.country_area,
        "country_code": address.country_code,
        "phone": address.phone,
    }


def _shipping(instructions: ShippingInstructions) -> dict[str, str | None]:
    return {
        "requested_service": instructions.requested_service or None,
        "carrier": instructions.carrier or None,
        "service_code": instructions.service_code or None,
        "carrier_account": instructions.account_number or None,
        "ship_by": _day(instructions.ship_by),
    }


def purchase_order_document(
    po: PurchaseOrder,
    *,
    send_id: str,
    vendor_code: str,
    buyer_name: str,
    buyer_email: str,
    notes: str,
    shipping: ShippingInstructions,
    show_prices: bool,
    sent_at: datetime,
) -> dict[str, Any]:
    """The JSON document of the PO's next revision (the one being sent).

    A PO whose order was cancelled after it was sent goes out as a ``purchase_order.cancelled``
    notice: the same document, a new revision, and the vendor must not ship it."""
    cancelled = po.status is POStatus.CANCEL_REQUESTED
    return {
        "version": VERSION,
        "type": CANCELLED if cancelled else PURCHASE_ORDER,
        "send_id": send_id,
        "po_number": po.number,
        "revision": po.revision + 1,
        "order_number": po.order_number,
        "vendor_code": vendor_code,
        "buyer": {"name": buyer_name, "email": buyer_email or None},
        "currency": po.currency,
        "ship_to": _ship_to(po.ship_to),
        "lines": [
            {
                "line_number": number,
                "sku": line.sku,
                "vendor_sku": line.vendor_sku or None,
                "name": line.product_name,
                "variant": line.variant_name or None,
                "quantity": line.quantity,
                "unit_cost": _money(line.unit_cost, show_prices),
            }
            for number, line in enumerate(po.lines, start=1)
        ],
        "total": _money(po.total, show_prices),
        "notes": notes or None,
        "shipping": _shipping(shipping),
        "created_at": _moment(po.created_at),
        "sent_at": _moment(sent_at),
    }


def encode_document(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and posted."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>``, the signature header's value."""
    message = f"{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}={digest}"


def signed_headers(
    secret: str, timestamp: int, body: bytes, idempotency_key: str
) -> dict[str, str]:
    """The headers that make a POST verifiable and safe to repeat."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
        "Content-Type": "application/json",
    }
