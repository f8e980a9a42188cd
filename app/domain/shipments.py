"""Shipments: what a vendor shipped on a PO, with tracking; how they become Saleor fulfilments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.purchase_orders import POStatus, PurchaseOrder


class ShipmentErrorCode(StrEnum):
    """Why a shipment was refused."""

    PO_CANCELLED = "shipment_po_cancelled"
    LINE_NOT_ON_PO = "shipment_line_not_on_po"
    QUANTITY = "shipment_quantity"
    TRACKING_NUMBER = "shipment_tracking_number"
    PACKAGE = "shipment_package"


class ShipmentStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet written to Saleor
    WRITTEN = "written"  # Saleor has the fulfilment(s)
    NOT_WRITTEN = "not_written"  # Saleor refused: the reason and next step are shown
    CANCELLED = "cancelled"

    @property
    def counts(self) -> bool:
        """Cancelled shipments no longer count as shipped."""
        return self is not ShipmentStatus.CANCELLED


class ShipmentSource(StrEnum):
    MERCHANT = "merchant"
    IMPORT = "import"
    VENDOR = "vendor"
    EDI = "edi"
    SALEOR = "saleor"  # a fulfilment made by hand in the dashboard


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    tracking_url: str | None = None


@dataclass(frozen=True)
class ShipmentLine:
    order_line_id: str
    quantity: int
    package: int = 0  # index into the shipment's tracking numbers when split by package


@dataclass
class Shipment:
    purchase_order_id: int
    saleor_order_id: str
    tracking_numbers: tuple[str, ...]
    lines: list[ShipmentLine]
    carrier: Carrier | None = None
    source: ShipmentSource = ShipmentSource.MERCHANT
    created_by: str = ""
    created_at: datetime | None = None
    status: ShipmentStatus = ShipmentStatus.PENDING
    failure_reason: str | None = None
    write_attempts: int = 0
    fulfillment_ids: tuple[str, ...] = ()
    split_by_package: bool = False
    id: int | None = None

    @property
    def can_correct(self) -> bool:
        """A new tracking number: stored, and sent to Saleor when it has the fulfilment."""
        return self.status is not ShipmentStatus.CANCELLED

    @property
    def can_retry(self) -> bool:
        """Written again after Saleor refused it and the merchant fixed the cause."""
        return self.status is ShipmentStatus.NOT_WRITTEN

    @property
    def can_cancel(self) -> bool:
        return self.status is not ShipmentStatus.CANCELLED

    def quantities(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for line in self.lines:
            totals[line.order_line_id] = totals.get(line.order_line_id, 0) + line.quantity
        return totals


@dataclass(frozen=True)
class FulfilmentRequest:
    """One orderFulfill call: these quantities, this tracking number."""

    tracking_number: str
    quantities: tuple[tuple[str, int], ...]


def shipped_quantities(shipments: Iterable[Shipment]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for shipment in shipments:
        if shipment.status.counts:
            for line_id, quantity in shipment.quantities().items():
                totals[line_id] = totals.get(line_id, 0) + quantity
    return totals


def clean_shipment_lines(
    po: PurchaseOrder, requested: Mapping[str, int], already_shipped: Mapping[str, int]
) -> list[ShipmentLine]:
    """Quantities per PO line, never more than the PO ordered minus what already shipped."""
    if po.status is POStatus.CANCELLED:
        raise RuleViolation(
            f"PO {po.number} is cancelled: nothing can ship on it.",
            code=ShipmentErrorCode.PO_CANCELLED,
        )
    ordered = {line.order_line_id: line for line in po.lines}
    lines = []
    for line_id, quantity in requested.items():
        if quantity == 0:
            continue
        line = ordered.get(line_id)
        if line is None:
            raise RuleViolation(
                f"That line is not on PO {po.number}.", code=ShipmentErrorCode.LINE_NOT_ON_PO
            )
        if quantity < 0:
            raise RuleViolation("Quantities cannot be negative.", code=ShipmentErrorCode.QUANTITY)
        left = line.quantity - already_shipped.get(line_id, 0)
        if quantity > left:
            raise RuleViolation(
                f"{line.product_name}: only {left} of {line.quantity} left to ship "
                f"on PO {po.number}.",
                code=ShipmentErrorCode.QUANTITY,
            )
        lines.append(ShipmentLine(line_id, quantity))
    if not lines:
        raise RuleViolation(
            "Enter the quantity shipped for at least one line.", code=ShipmentErrorCode.QUANTITY
        )
    return lines


def assign_packages(
    lines: list[ShipmentLine], packages: Mapping[str, int] | None, numbers: int
) -> list[ShipmentLine] | None:
    """The lines split into packages (package n travels under tracking number n), or None when
    the shipment is not split (no packages chosen, or one number for everything).

    Every line in a package that has a number, every number with something in it: otherwise a
    line would be stored that no fulfilment carries."""
    if not packages or numbers < 2:
        return None
    chosen = {line.order_line_id: packages.get(line.order_line_id, 0) for line in lines}
    if any(not 0 <= index < numbers for index in chosen.values()):
        raise RuleViolation(
            f"You entered {numbers} tracking numbers: choose package 1 to {numbers} for each line.",
            code=ShipmentErrorCode.PACKAGE,
            field="package",
        )
    if len(set(chosen.values())) < numbers:
        raise RuleViolation(
            f"Put at least one line in each of the {numbers} packages, or enter fewer numbers.",
            code=ShipmentErrorCode.PACKAGE,
            field="package",
        )
    return [ShipmentLine(x.order_line_id, x.quantity, chosen[x.order_line_id]) for x in lines]


def clean_tracking_numbers(raw: str | Iterable[str]) -> tuple[str, ...]:
    parts = raw.replace(",", " ").replace(";", " ").split() if isinstance(raw, str) else list(raw)
    numbers = tuple(dict.fromkeys(part.strip().upper() for part in parts if part.strip()))
    for number in numbers:
        if not 4 <= len(number) <= 64 or not number.replace("-", "").isalnum():
            raise RuleViolation(
                f"{number!r} does not look like a tracking number.",
                code=ShipmentErrorCode.TRACKING_NUMBER,
                field="tracking",
            )
    return numbers


def fulfilment_requests(shipment: Shipment) -> list[FulfilmentRequest]:
    """How tracking numbers become fulfilments.

    Split by package (each line says which package it is in): one fulfilment per package with
    that package's number. Otherwise one fulfilment for all the lines, the numbers joined with
    ", " (Saleor has one tracking number per fulfilment).
    """
    if shipment.split_by_package and len(shipment.tracking_numbers) > 1:
        requests = []
        for index, number in enumerate(shipment.tracking_numbers):
            quantities = _sum_by_line(line for line in shipment.lines if line.package == index)
            if quantities:
                requests.append(FulfilmentRequest(number, quantities))
        return requests
    return [FulfilmentRequest(", ".join(shipment.tracking_numbers), _sum_by_line(shipment.lines))]


def _sum_by_line(lines: Iterable[ShipmentLine]) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.order_line_id] = totals.get(line.order_line_id, 0) + line.quantity
    return tuple(sorted(totals.items()))


def po_status_after_shipping(po: PurchaseOrder, shipped: Mapping[str, int]) -> POStatus | None:
    """The PO's status for these shipped quantities: partially shipped, shipped, or, when a
    cancelled shipment leaves nothing shipped, back to sent (or created if never sent).
    None when it stays as it is."""
    if po.status is POStatus.CANCELLED:
        return None
    ordered = {line.order_line_id: line.quantity for line in po.lines}
    total = sum(min(shipped.get(line_id, 0), quantity) for line_id, quantity in ordered.items())
    # A line the vendor cancelled is not owed: the rest shipped means the PO shipped.
    for line in po.lines_cancelled_by_vendor:
        if shipped.get(line.order_line_id, 0) == 0:
            ordered.pop(line.order_line_id, None)
    if total == 0:
        if po.status in (POStatus.PARTIALLY_SHIPPED, POStatus.SHIPPED):
            return POStatus.SENT if po.sent_at is not None else POStatus.CREATED
        return None
    if all(shipped.get(line_id, 0) >= quantity for line_id, quantity in ordered.items()):
        target = POStatus.SHIPPED
    else:
        target = POStatus.PARTIALLY_SHIPPED
    return None if target is po.status else target
