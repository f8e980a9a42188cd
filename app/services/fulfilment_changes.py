"""Changes to shipments already written to Saleor: tracking corrections and cancellations."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.orders import OrderInfo
from app.domain.shipments import ShipmentStatus
from app.services.fulfilments import load_write_context, update_progress, warehouse_for
from app.services.orders import store_order_info
from app.services.ports import SaleorGateway, TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


def update_tracking_in_saleor(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    *,
    installation_id: InstallationId,
    shipment_id: int,
) -> None:
    """orderFulfillmentUpdateTracking for each fulfilment of a written shipment."""
    with uow_factory() as uow:
        shipment, installation, settings, _, _ = load_write_context(
            uow, installation_id, shipment_id
        )
    api = saleor.api(installation.saleor_api_url, installation.token)
    numbers = list(shipment.tracking_numbers)
    for index, fulfilment_id in enumerate(shipment.fulfillment_ids):
        number = (
            numbers[index]
            if shipment.split_by_package and index < len(numbers)
            else ", ".join(numbers)
        )
        api.update_tracking(fulfilment_id, number, settings.notify_customer)


def cancel_in_saleor(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    shipment_id: int,
) -> ShipmentStatus:
    """orderFulfillmentCancel for each fulfilment; the stock goes back to its warehouse."""
    with uow_factory() as uow:
        shipment, installation, settings, order, _ = load_write_context(
            uow, installation_id, shipment_id
        )
    api = saleor.api(installation.saleor_api_url, installation.token)
    in_saleor = {f.id: f for f in api.fetch_fulfilments(shipment.saleor_order_id)}
    latest: OrderInfo | None = None  # the order as the last cancellation answered it
    for fulfilment_id in shipment.fulfillment_ids:
        found = in_saleor.get(fulfilment_id)
        if found is None or found.is_cancelled:
            continue
        warehouse = found.warehouse_id or settings.dropship_warehouse_id
        if not warehouse:
            first_line = found.quantities[0][0]
            warehouse = warehouse_for(order, first_line, settings.dropship_warehouse_id)[0]
        latest = api.cancel_fulfilment(fulfilment_id, warehouse) or latest
    with uow_factory() as uow:
        stored = uow.shipments.get(installation_id, shipment_id)
        current = uow.orders.get(installation_id, order.saleor_order_id)
        assert stored is not None and current is not None
        if stored.status is ShipmentStatus.CANCELLED:  # a second click's task
            return ShipmentStatus.CANCELLED
        stored.status = ShipmentStatus.CANCELLED
        uow.shipments.save(installation_id, stored)
        negative = {line_id: -quantity for line_id, quantity in stored.quantities().items()}
        current = store_order_info(
            uow, installation_id, latest or current.info.with_fulfilled(negative)
        )
        numbers = ", ".join(stored.tracking_numbers)
        notes = [f"Shipment {numbers} cancelled, and its fulfilment in Saleor."]
        notes += update_progress(
            uow, installation_id, current, actor="merchant", at=datetime.now(UTC)
        )
        queue_write_back(uow, queue, installation_id, order.saleor_order_id, " ".join(notes))
        uow.commit()
    return ShipmentStatus.CANCELLED
