"""Shipments from a CSV file: one row per SKU shipped; errors per row; nothing half-imported.

Columns: ``order`` (an order number or a PO number), ``sku`` (ours or the vendor's), ``quantity``,
``carrier`` (optional: detected from the tracking number when empty) and ``tracking_number``.
Rows with the same PO and tracking number make one shipment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.domain.installations import InstallationId
from app.domain.purchase_orders import PurchaseOrder
from app.domain.shipments import Shipment, ShipmentSource, shipped_quantities
from app.errors import Invalid
from app.services.csv_files import read_csv_rows
from app.services.forms import FormInvalid
from app.services.ports import CarrierDetector, TaskQueue
from app.services.shipments import build_shipment, queue_fulfilment_write
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

REFERENCE_COLUMNS = ("order", "po", "order_or_po", "order_number", "po_number")


@dataclass
class ShipmentImportReport:
    shipments: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)


class _Catalogue:
    """POs looked up once per reference, shipped quantities once per order."""

    def __init__(self, uow: UnitOfWork, installation_id: InstallationId) -> None:
        self._uow, self._installation_id = uow, installation_id
        self._by_reference: dict[str, list[PurchaseOrder]] = {}
        self.shipped: dict[str, dict[str, int]] = {}

    def candidates(self, reference: str) -> list[PurchaseOrder]:
        if reference not in self._by_reference:
            po = self._uow.purchase_orders.find_by_number(self._installation_id, reference)
            found = (
                [po]
                if po
                else self._uow.purchase_orders.list_by_order_number(
                    self._installation_id, reference
                )
            )
            self._by_reference[reference] = [p for p in found if p.status.is_open]
            for candidate in self._by_reference[reference]:
                self._load_shipped(candidate.saleor_order_id)
        return self._by_reference[reference]

    def _load_shipped(self, order_id: str) -> None:
        if order_id not in self.shipped:
            shipments = self._uow.shipments.list_for_order(self._installation_id, order_id)
            self.shipped[order_id] = shipped_quantities(shipments)


def _reference(row: Mapping[str, str]) -> str:
    return next((row[c] for c in REFERENCE_COLUMNS if row.get(c)), "")


def _find_line(pos: list[PurchaseOrder], sku: str) -> tuple[PurchaseOrder, str] | None:
    for po in pos:
        for line in po.lines:
            if sku in (line.sku, line.vendor_sku):
                return po, line.order_line_id
    return None


def import_shipments_csv(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    installation_id: InstallationId,
    text: str,
    *,
    actor: str,
) -> ShipmentImportReport:
    """Record every shipment in the file, or none; each is then written to Saleor."""
    rows = read_csv_rows(text, ("sku", "quantity", "tracking_number"))
    report = ShipmentImportReport(rows=len(rows))
    groups: dict[tuple[int, str], tuple[PurchaseOrder, dict[str, int], str, int]] = {}
    with uow_factory() as uow:
        catalogue = _Catalogue(uow, installation_id)
        for number, row in enumerate(rows, start=2):
            reference, sku = _reference(row), row.get("sku", "")
            quantity = row.get("quantity", "")
            if not reference:
                report.errors.append(f"Row {number}: give the order or PO number.")
                continue
            if not quantity.isdigit() or int(quantity) == 0:
                report.errors.append(f"Row {number}: quantity must be a whole number above 0.")
                continue
            found = _find_line(catalogue.candidates(reference), sku)
            if found is None:
                report.errors.append(f"Row {number}: no open PO for {reference} has SKU {sku!r}.")
                continue
            po, line_id = found
            key = (po.id or 0, row.get("tracking_number", "").strip().upper())
            _, quantities, carrier, _ = groups.setdefault(
                key, (po, {}, row.get("carrier", ""), number)
            )
            quantities[line_id] = quantities.get(line_id, 0) + int(quantity)
        shipments: list[Shipment] = []
        for (_, tracking), (po, quantities, carrier, first_row) in groups.items():
            shipped = catalogue.shipped.setdefault(po.saleor_order_id, {})
            try:
                shipment = build_shipment(
                    uow,
                    carriers,
                    installation_id,
                    po,
                    quantities=quantities,
                    tracking=tracking,
                    carrier_code=carrier or None,
                    source=ShipmentSource.IMPORT,
                    actor=actor,
                    already_shipped=shipped,
                )
            except Invalid as error:
                report.errors.append(f"Row {first_row}: {error.message}")
                continue
            for line_id, shipped_now in shipment.quantities().items():
                shipped[line_id] = shipped.get(line_id, 0) + shipped_now
            shipments.append(shipment)
        if report.errors:
            raise FormInvalid({"file": "Nothing was imported: fix these rows."}, rows=report.errors)
        for shipment in shipments:
            uow.shipments.add(installation_id, shipment)
            assert shipment.id is not None
            queue_fulfilment_write(uow, queue, installation_id, shipment.id)
        uow.commit()
    report.shipments = len(shipments)
    return report
