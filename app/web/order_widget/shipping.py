"""What the order widget's Shipping section shows: per PO, what is left to ship and its shipments.

A PO can take tracking while it is open and something on it is left to ship, whatever its send
status: a PO that ships was evidently received (created, send failed and shipped-then-cancelled
POs included). Actions follow each shipment's status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.purchase_orders import POLine, PurchaseOrder
from app.domain.shipments import Shipment, ShipmentSource, ShipmentStatus, shipped_quantities

# The carriers the merchant can choose; "" (Detect from number) comes first in the select.
CARRIER_CHOICES = (
    ("ups", "UPS"),
    ("usps", "USPS"),
    ("fedex", "FedEx"),
    ("dhl", "DHL"),
    ("ontrac", "OnTrac"),
    ("amazon", "Amazon"),
    ("s10", "Postal service (S10)"),
    ("other", "Other"),
)
CARRIER_CODES = frozenset(code for code, _ in CARRIER_CHOICES)

STATUS_LABELS = {
    ShipmentStatus.PENDING: "Pending",
    ShipmentStatus.WRITTEN: "Written to Saleor",
    ShipmentStatus.NOT_WRITTEN: "Not written",
    ShipmentStatus.CANCELLED: "Cancelled",
}
SOURCE_LABELS = {
    ShipmentSource.MERCHANT: "Merchant",
    ShipmentSource.IMPORT: "CSV import",
    ShipmentSource.VENDOR: "Vendor portal",
    ShipmentSource.EDI: "EDI",
    ShipmentSource.SALEOR: "Saleor dashboard",
}


def line_label(line: POLine) -> str:
    return f"{line.product_name} · {line.variant_name}" if line.variant_name else line.product_name


@dataclass(frozen=True)
class TrackingLink:
    number: str
    url: str | None


@dataclass(frozen=True)
class Parcel:
    """Tracking number(s) and what travels under them (one per package when split)."""

    links: tuple[TrackingLink, ...]
    items: tuple[tuple[int, str], ...]  # (quantity, product)


def tracking_links(shipment: Shipment) -> tuple[TrackingLink, ...]:
    """Each number with its carrier's tracking page.

    The stored link is built for the first number; the others get the same link with their own
    number in its place. Only http(s) links are kept (the link data comes from outside).
    """
    numbers = shipment.tracking_numbers
    url = shipment.carrier.tracking_url if shipment.carrier else None
    if not numbers or not url or not url.startswith(("https://", "http://")):
        return tuple(TrackingLink(number, None) for number in numbers)
    first = numbers[0]
    if first not in url:
        return (TrackingLink(first, url), *(TrackingLink(n, None) for n in numbers[1:]))
    return tuple(TrackingLink(number, url.replace(first, number)) for number in numbers)


@dataclass(frozen=True)
class ShipmentRow:
    shipment: Shipment
    parcels: tuple[Parcel, ...]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.shipment.status]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.shipment.source, self.shipment.source.value)

    @property
    def carrier_name(self) -> str:
        carrier = self.shipment.carrier
        return carrier.name if carrier else "Carrier not recognised"

    @property
    def carrier_code(self) -> str:
        """The current carrier preselected in the correction form ("" detects it again)."""
        carrier = self.shipment.carrier
        return carrier.code if carrier and carrier.code in CARRIER_CODES else ""

    @property
    def can_correct(self) -> bool:
        return self.shipment.can_correct

    @property
    def can_retry(self) -> bool:
        return self.shipment.can_retry

    @property
    def can_cancel(self) -> bool:
        return self.shipment.can_cancel


def shipment_row(shipment: Shipment, labels: dict[str, str]) -> ShipmentRow:
    def items(package: int | None) -> tuple[tuple[int, str], ...]:
        return tuple(
            (line.quantity, labels.get(line.order_line_id, "a line no longer on the PO"))
            for line in shipment.lines
            if package is None or line.package == package
        )

    links = tracking_links(shipment)
    if shipment.split_by_package and len(links) > 1:
        parcels = tuple(Parcel((link,), items(index)) for index, link in enumerate(links))
    else:
        parcels = (Parcel(links, items(None)),)
    return ShipmentRow(shipment, parcels)


@dataclass(frozen=True)
class ShipLine:
    line: POLine
    shipped: int

    @property
    def label(self) -> str:
        return line_label(self.line)

    @property
    def left(self) -> int:
        return max(self.line.quantity - self.shipped, 0)


@dataclass(frozen=True)
class POShipping:
    po: PurchaseOrder
    lines: tuple[ShipLine, ...]
    shipments: tuple[ShipmentRow, ...]

    @property
    def open_lines(self) -> tuple[ShipLine, ...]:
        """The lines with something left to ship: the rows of the Add tracking form."""
        return tuple(line for line in self.lines if line.left > 0)

    @property
    def can_ship(self) -> bool:
        return self.po.status.is_open and bool(self.open_lines)

    @property
    def shipped(self) -> int:
        return sum(min(line.shipped, line.line.quantity) for line in self.lines)

    @property
    def ordered(self) -> int:
        return sum(line.line.quantity for line in self.lines)


def shipping_for(
    purchase_orders: Iterable[PurchaseOrder], shipments: Iterable[Shipment]
) -> list[POShipping]:
    """The POs that can take tracking or have shipments, in the order of the PO list."""
    by_po: dict[int, list[Shipment]] = {}
    for shipment in shipments:
        by_po.setdefault(shipment.purchase_order_id, []).append(shipment)
    sections = []
    for po in purchase_orders:
        own = by_po.get(po.id or 0, [])
        shipped = shipped_quantities(own)
        labels = {line.order_line_id: line_label(line) for line in po.lines}
        section = POShipping(
            po=po,
            lines=tuple(ShipLine(line, shipped.get(line.order_line_id, 0)) for line in po.lines),
            shipments=tuple(shipment_row(shipment, labels) for shipment in own),
        )
        if section.can_ship or section.shipments:
            sections.append(section)
    return sections
