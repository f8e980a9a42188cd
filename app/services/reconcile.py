"""Fulfilments made by hand in the dashboard, reconciled into the PO view."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.shipments import (
    Shipment,
    ShipmentLine,
    ShipmentSource,
    ShipmentStatus,
    fulfilment_requests,
    shipped_quantities,
)
from app.services.ports import TaskQueue
from app.services.saleor_writes.fulfilments import update_progress
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

SALEOR_USER = "Saleor dashboard"


def _in_flight(shipments: list[Shipment]) -> set[tuple[str, tuple[tuple[str, int], ...]]]:
    """Fulfilments our own pending writes may have created but not yet recorded."""
    return {
        (request.tracking_number, request.quantities)
        for shipment in shipments
        if shipment.status is ShipmentStatus.PENDING
        for request in fulfilment_requests(shipment)
    }


def reconcile_fulfilments(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, installation_id: InstallationId, order_id: str
) -> int:
    """From the stored order (just refreshed from Saleor): fulfilments the app did not make become
    shipments on the open POs holding their lines; our fulfilments cancelled in Saleor cancel
    their shipments. POs and the order then move on as usual. Returns how many changed."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id)
        if order is None:
            return 0
        saleor_fulfilments = order.info.fulfilments
        by_id = {f.id: f for f in saleor_fulfilments}
        shipments = uow.shipments.list_for_order(installation_id, order_id)
        known = {fid for shipment in shipments for fid in shipment.fulfillment_ids}
        in_flight = _in_flight(shipments)
        pos = [
            po
            for po in uow.purchase_orders.list_for_order(installation_id, order_id)
            if po.status.is_open
        ]
        shipped = {
            po.id: shipped_quantities(s for s in shipments if s.purchase_order_id == po.id)
            for po in pos
        }
        changed = 0
        for fulfilment in saleor_fulfilments:
            fid, tracking = fulfilment.id, fulfilment.tracking_number
            quantities = dict(fulfilment.quantities)
            if fid in known or not fulfilment.ships_goods:
                continue
            if (tracking, fulfilment.quantities) in in_flight:
                continue
            for po in pos:
                taken = []
                for line in po.lines:
                    left = line.quantity - shipped[po.id].get(line.order_line_id, 0)
                    take = min(quantities.get(line.order_line_id, 0), left)
                    if take > 0:
                        taken.append(ShipmentLine(line.order_line_id, take))
                        quantities[line.order_line_id] -= take
                        shipped[po.id][line.order_line_id] = (
                            shipped[po.id].get(line.order_line_id, 0) + take
                        )
                if taken:
                    uow.shipments.add(
                        installation_id,
                        Shipment(
                            purchase_order_id=po.id or 0,
                            saleor_order_id=order_id,
                            tracking_numbers=(tracking,) if tracking else (),
                            lines=taken,
                            source=ShipmentSource.SALEOR,
                            created_by=SALEOR_USER,
                            created_at=now,
                            status=ShipmentStatus.WRITTEN,
                            fulfillment_ids=(fid,),
                        ),
                    )
                    changed += 1
        for shipment in shipments:
            ids = shipment.fulfillment_ids
            if (
                shipment.status is ShipmentStatus.WRITTEN
                and ids
                and all(i in by_id and by_id[i].is_cancelled for i in ids)
            ):
                shipment.status = ShipmentStatus.CANCELLED
                uow.shipments.save(installation_id, shipment)
                changed += 1
        if changed:
            notes = update_progress(uow, installation_id, order, actor=SALEOR_USER, at=now)
            if notes:
                queue_write_back(uow, queue, installation_id, order_id, " ".join(notes))
        uow.commit()
    return changed
