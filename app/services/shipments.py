"""Shipments from any source (merchant, CSV import, later the vendor portal and EDI): one entry
point records them; the worker writes each one to Saleor as fulfilment(s)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.outbound import Channel, Subject
from app.domain.purchase_orders import POEvent, PurchaseOrder
from app.domain.shipments import (
    Carrier,
    Shipment,
    ShipmentSource,
    ShipmentStatus,
    assign_packages,
    clean_shipment_lines,
    clean_tracking_numbers,
    shipped_quantities,
)
from app.errors import Invalid, NotFound
from app.services import tasks
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    cancel_key,
    fulfil_key,
    record_outbound,
    tracking_key,
)
from app.services.ports import CarrierDetector, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def _now() -> datetime:
    return datetime.now(UTC)


def choose_carrier(
    carriers: CarrierDetector, tracking_numbers: tuple[str, ...], carrier_code: str | None
) -> Carrier | None:
    """The merchant's choice wins; otherwise the carrier the first number's format names."""
    if carrier_code and carrier_code.strip():
        return carriers.by_code(carrier_code, tracking_numbers[0])  # type: ignore[no-any-return]
    return carriers.detect(tracking_numbers[0])  # type: ignore[no-any-return]


def _po_shipped(
    uow: UnitOfWork, installation_id: InstallationId, po: PurchaseOrder
) -> dict[str, int]:
    shipments = uow.shipments.list_for_order(installation_id, po.saleor_order_id)
    return shipped_quantities(s for s in shipments if s.purchase_order_id == po.id)


def build_shipment(
    uow: UnitOfWork,
    carriers: CarrierDetector,
    installation_id: InstallationId,
    po: PurchaseOrder,
    *,
    quantities: Mapping[str, int],
    tracking: str | list[str],
    carrier_code: str | None,
    source: ShipmentSource,
    actor: str,
    packages: Mapping[str, int] | None = None,
    already_shipped: Mapping[str, int] | None = None,
) -> Shipment:
    """Validate and build (not store) a shipment on ``po``: never more than the PO ordered."""
    if already_shipped is None:
        already_shipped = _po_shipped(uow, installation_id, po)
    lines = clean_shipment_lines(po, quantities, already_shipped)
    numbers = clean_tracking_numbers(tracking)
    if not numbers:
        raise Invalid("Enter the tracking number.", field="tracking")
    split_lines = assign_packages(lines, packages, len(numbers))
    return Shipment(
        purchase_order_id=po.id or 0,
        saleor_order_id=po.saleor_order_id,
        tracking_numbers=numbers,
        lines=split_lines or lines,
        carrier=choose_carrier(carriers, numbers, carrier_code),
        source=source,
        created_by=actor,
        created_at=_now(),
        split_by_package=split_lines is not None,
    )


def _queue_saleor_write(
    uow: UnitOfWork,
    queue: TaskQueue,
    installation_id: InstallationId,
    shipment_id: int,
    write: tuple[str, Channel, str],
) -> None:
    """Record the Saleor write in this transaction (so it shows even if its task never runs),
    then queue its task after the commit."""
    task, channel, key = write
    record_outbound(
        uow,
        installation_id,
        subject=Subject.SHIPMENT,
        subject_id=shipment_id,
        channel=channel,
        key=key,
        policy=SALEOR_WRITE_POLICY,
        reopen=True,
    )
    arguments = {"installation_id": installation_id, "shipment_id": shipment_id}
    uow.after_commit(lambda: queue.enqueue(task, **arguments))


def queue_fulfilment_write(
    uow: UnitOfWork, queue: TaskQueue, installation_id: InstallationId, shipment_id: int
) -> None:
    write = (tasks.WRITE_FULFILMENT, Channel.SALEOR_FULFIL, fulfil_key(shipment_id))
    _queue_saleor_write(uow, queue, installation_id, shipment_id, write)


def record_shipment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    installation_id: InstallationId,
    po_id: int,
    *,
    quantities: Mapping[str, int],
    tracking: str | list[str],
    carrier_code: str | None = None,
    source: ShipmentSource = ShipmentSource.MERCHANT,
    actor: str,
    packages: Mapping[str, int] | None = None,
) -> Shipment:
    """The one entry point for shipments: store it, then the worker writes it to Saleor."""
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        if po is None:
            raise NotFound("This purchase order does not exist.")
        shipment = add_shipment(
            uow,
            queue,
            carriers,
            installation_id,
            po,
            quantities=quantities,
            tracking=tracking,
            carrier_code=carrier_code,
            source=source,
            actor=actor,
            packages=packages,
        )
        uow.commit()
    return shipment


def add_shipment(
    uow: UnitOfWork,
    queue: TaskQueue,
    carriers: CarrierDetector,
    installation_id: InstallationId,
    po: PurchaseOrder,
    *,
    quantities: Mapping[str, int],
    tracking: str | list[str],
    carrier_code: str | None,
    source: ShipmentSource,
    actor: str,
    packages: Mapping[str, int] | None,
) -> Shipment:
    """``record_shipment`` inside the caller's transaction (``po`` locked by it), for a caller
    that stores more in the same commit (the vendor API's answer to a request id)."""
    shipment = build_shipment(
        uow,
        carriers,
        installation_id,
        po,
        quantities=quantities,
        tracking=tracking,
        carrier_code=carrier_code,
        source=source,
        actor=actor,
        packages=packages,
    )
    uow.shipments.add(installation_id, shipment)
    assert shipment.id is not None
    if source is ShipmentSource.VENDOR:  # the merchant's history shows what the vendor did
        _record_vendor_shipment(po, shipment, actor)
        uow.purchase_orders.save(installation_id, po)
    queue_fulfilment_write(uow, queue, installation_id, shipment.id)
    return shipment


def _record_vendor_shipment(po: PurchaseOrder, shipment: Shipment, actor: str) -> None:
    labels = {line.order_line_id: line.sku or line.vendor_sku for line in po.lines}
    items = ", ".join(
        f"{quantity} x {labels.get(line_id, '?')}"
        for line_id, quantity in shipment.quantities().items()
    )
    carrier = f" ({shipment.carrier.name})" if shipment.carrier else ""
    detail = f"{items}; tracking {', '.join(shipment.tracking_numbers)}{carrier}"
    po.events.append(POEvent(shipment.created_at or _now(), actor, "shipment entered", detail))


def list_shipments(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> list[Shipment]:
    with uow_factory() as uow:
        return uow.shipments.list_for_order(installation_id, order_id)


def _load(uow: UnitOfWork, installation_id: InstallationId, shipment_id: int) -> Shipment:
    shipment = uow.shipments.get(installation_id, shipment_id)
    if shipment is None:
        raise NotFound("This shipment does not exist.")
    return shipment


def correct_tracking(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    carriers: CarrierDetector,
    installation_id: InstallationId,
    shipment_id: int,
    *,
    tracking: str,
    carrier_code: str | None = None,
) -> Shipment:
    """A corrected tracking number: stored now, and updated in Saleor if already written."""
    with uow_factory() as uow:
        shipment = _load(uow, installation_id, shipment_id)
        if not shipment.can_correct:
            raise Invalid("This shipment is cancelled.")
        numbers = clean_tracking_numbers(tracking)
        if not numbers:
            raise Invalid("Enter the tracking number.", field="tracking")
        if shipment.split_by_package and len(numbers) != len(shipment.tracking_numbers):
            raise Invalid(f"Enter {len(shipment.tracking_numbers)} numbers, one per package.")
        shipment.tracking_numbers = numbers
        shipment.carrier = choose_carrier(carriers, numbers, carrier_code)
        uow.shipments.save(installation_id, shipment)
        if shipment.status is ShipmentStatus.WRITTEN:
            key = tracking_key(shipment_id, numbers)
            write = (tasks.UPDATE_TRACKING, Channel.SALEOR_TRACKING, key)
            _queue_saleor_write(uow, queue, installation_id, shipment_id, write)
        elif shipment.status is ShipmentStatus.NOT_WRITTEN:  # the new number may fix it
            shipment.status, shipment.failure_reason = ShipmentStatus.PENDING, None
            uow.shipments.save(installation_id, shipment)
            queue_fulfilment_write(uow, queue, installation_id, shipment_id)
        uow.commit()
    return shipment


def retry_shipment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    shipment_id: int,
) -> Shipment:
    """Write a shipment Saleor refused again, once the merchant fixed the cause."""
    with uow_factory() as uow:
        shipment = _load(uow, installation_id, shipment_id)
        if not shipment.can_retry:
            raise Invalid("Only a shipment Saleor refused can be written again.")
        shipment.status, shipment.failure_reason = ShipmentStatus.PENDING, None
        uow.shipments.save(installation_id, shipment)
        queue_fulfilment_write(uow, queue, installation_id, shipment_id)
        uow.commit()
    return shipment


def cancel_shipment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    shipment_id: int,
) -> Shipment:
    """Cancel: the worker cancels its fulfilment(s) in Saleor; the quantities become free."""
    with uow_factory() as uow:
        shipment = _load(uow, installation_id, shipment_id)
        if not shipment.can_cancel:
            raise Invalid("This shipment is already cancelled.")
        if shipment.status is ShipmentStatus.WRITTEN:
            write = (
                tasks.CANCEL_SHIPMENT,
                Channel.SALEOR_CANCEL_FULFILMENT,
                cancel_key(shipment_id),
            )
            _queue_saleor_write(uow, queue, installation_id, shipment_id, write)
        else:
            shipment.status = ShipmentStatus.CANCELLED
            uow.shipments.save(installation_id, shipment)
        uow.commit()
    return shipment
