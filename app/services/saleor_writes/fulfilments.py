"""Writing shipments to Saleor as fulfilments (runs in the worker), and reading them back.

Warehouse rule: each line is fulfilled from the warehouse Saleor allocated it to (a positive
allocation), where its stock is; a line with no allocation is fulfilled from the shop's drop-ship
warehouse (Settings) with ``allowStockToBeExceeded``, since drop-shipped goods never were in a
Saleor warehouse. Only then may stock be exceeded.

Unknown outcome: the attempt counter is committed before the mutation is sent. A retry after a
timeout first reads the order's fulfilments and adopts the one that matches (same tracking number
and quantities), so a fulfilment is never created twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.installations import Installation, InstallationId
from app.domain.orders import Fulfilment, FulfilmentStatus, Order, OrderInfo
from app.domain.outbound import Channel, Subject
from app.domain.shipments import (
    FulfilmentRequest,
    Shipment,
    ShipmentStatus,
    fulfilment_requests,
    po_status_after_shipping,
    shipped_quantities,
)
from app.domain.shop_settings import ShopSettings
from app.errors import NoOp, NotFound
from app.services.orders import load_plan, store_order_info
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    begin_outbound,
    fulfil_key,
    outbound_failed,
    outbound_retrying,
    outbound_sent,
)
from app.services.ports import (
    Fulfilled,
    FulfilLine,
    SaleorApi,
    SaleorGateway,
    SaleorMutationFailed,
    SaleorRefused,
    SaleorUnavailable,
    TaskQueue,
)
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back

_NEXT_STEPS = {
    "CANNOT_FULFILL_UNPAID_ORDER": (
        "Saleor fulfils only paid orders: charge the order (or allow unpaid fulfilment in "
        "Saleor's order settings), then write the shipment again."
    ),
    "INSUFFICIENT_STOCK": (
        "Saleor has no stock for this line in that warehouse: choose the drop-ship warehouse in "
        "Settings, then write the shipment again."
    ),
    "FULFILL_ORDER_LINE": (
        "Saleor says less is left to fulfil: the line may have been fulfilled by hand in the "
        "dashboard. Check the order, then correct or cancel this shipment."
    ),
    "NOT_FOUND": "Saleor no longer has this order or line.",
}


class NoWarehouse(Exception):
    """A line has no allocation and the shop has no drop-ship warehouse set."""


def _explain(error: SaleorMutationFailed) -> str:
    codes = [str(e.get("code")) for e in error.errors]
    messages = "; ".join(str(e.get("message")).rstrip(".") for e in error.errors)
    steps = [_NEXT_STEPS[code] for code in dict.fromkeys(codes) if code in _NEXT_STEPS]
    return f"Saleor refused: {messages}." + (f" {' '.join(steps)}" if steps else "")


def warehouse_for(order: Order, line_id: str, dropship_warehouse: str) -> tuple[str, bool]:
    """(warehouse id, may exceed stock) for one order line."""
    line = order.info.line(line_id)
    allocated = line.allocated_warehouse_id if line is not None else None
    if allocated is not None:
        return allocated, False
    if not dropship_warehouse:
        raise NoWarehouse(
            "Saleor has allocated no stock to this line: choose the drop-ship warehouse in "
            "Settings, then write the shipment again."
        )
    return dropship_warehouse, True


def _matches(request: FulfilmentRequest, found: Fulfilment) -> bool:
    return (
        not found.is_cancelled
        and found.tracking_number == request.tracking_number
        and found.quantities == request.quantities
    )


def _adopt_existing(
    api: SaleorApi, shipment: Shipment, requests: list[FulfilmentRequest], taken: set[str]
) -> tuple[list[FulfilmentRequest], list[Fulfilment]]:
    """After an unknown outcome: the requests Saleor does not have yet, and those it has."""
    existing = [f for f in api.fetch_fulfilments(shipment.saleor_order_id) if f.id not in taken]
    missing, adopted = [], []
    for request in requests:
        match = next((f for f in existing if _matches(request, f) and f not in adopted), None)
        if match is None:
            missing.append(request)
        else:
            adopted.append(match)
    return missing, adopted


def load_write_context(
    uow: UnitOfWork, installation_id: InstallationId, shipment_id: int
) -> tuple[Shipment, Installation, ShopSettings, Order, set[str]]:
    shipment = uow.shipments.get(installation_id, shipment_id)
    installation = uow.installations.get(installation_id)
    if shipment is None or installation is None or not installation.is_active:
        raise NoOp(f"Shipment {shipment_id} has nothing to write.")
    order = uow.orders.get(installation_id, shipment.saleor_order_id)
    if order is None:
        raise NotFound("The order of this shipment is unknown.")
    taken = {
        fid
        for other in uow.shipments.list_for_order(installation_id, shipment.saleor_order_id)
        if other.id != shipment.id
        for fid in other.fulfillment_ids
    }
    return shipment, installation, uow.settings.get(installation_id), order, taken


def write_fulfilment(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    shipment_id: int,
    final_attempt: bool,
    claim_token: str = "",
) -> ShipmentStatus:
    """One orderFulfill per tracking number (see fulfilment_requests), then the PO and order.

    The write is an outbound attempt (key ``fulfil-<shipment>``) claimed before the call."""
    with uow_factory() as uow:
        shipment, installation, settings, order, taken = load_write_context(
            uow, installation_id, shipment_id
        )
        if shipment.status is not ShipmentStatus.PENDING:
            raise NoOp(f"Shipment {shipment_id} is {shipment.status.value}.")
        attempt = begin_outbound(
            uow,
            installation_id,
            subject=Subject.SHIPMENT,
            subject_id=shipment_id,
            channel=Channel.SALEOR_FULFIL,
            key=fulfil_key(shipment_id),
            token=claim_token,
            policy=SALEOR_WRITE_POLICY,
        )
        if attempt is None:
            raise NoOp(f"Shipment {shipment_id} is being written by another task.")
        retrying = shipment.write_attempts > 0 or attempt.attempts > 1
        shipment.write_attempts += 1
        uow.shipments.save(installation_id, shipment)
        uow.commit()
    api = saleor.api(installation.saleor_api_url, installation.token)
    requests = fulfilment_requests(shipment)
    written: list[Fulfilment] = []
    latest: OrderInfo | None = None  # the order as Saleor answered the last mutation
    try:
        if retrying:
            requests, written = _adopt_existing(api, shipment, requests, taken)
        for request in requests:
            fulfilled = _fulfil(api, order, request, settings)
            written.extend(fulfilled.fulfilments)
            latest = fulfilled.order or latest
        if latest is None and retrying:
            # every fulfilment was adopted: no answer carries the order. Read it, so the copy
            # stored is Saleor's (with its updatedAt), which a late, older read cannot replace
            latest = api.fetch_order(shipment.saleor_order_id)
    except (SaleorMutationFailed, NoWarehouse, SaleorRefused) as error:
        reason = _explain(error) if isinstance(error, SaleorMutationFailed) else str(error)
        return _not_written(uow_factory, installation_id, shipment_id, reason, written)
    except SaleorUnavailable as error:
        if final_attempt:
            reason = (
                f"Saleor could not be reached ({error.message}). Write the shipment again later."
            )
            return _not_written(uow_factory, installation_id, shipment_id, reason, written)
        _keep_partial(uow_factory, installation_id, shipment_id, written)
        outbound_retrying(uow_factory, installation_id, attempt, error.message, SALEOR_WRITE_POLICY)
        raise
    latest = _approve_if_needed(api, written, settings) or latest
    _record_written(uow_factory, queue, installation_id, shipment_id, written, latest)
    return ShipmentStatus.WRITTEN


def _fulfil(
    api: SaleorApi, order: Order, request: FulfilmentRequest, settings: ShopSettings
) -> Fulfilled:
    lines, exceed = [], False
    for line_id, quantity in request.quantities:
        warehouse, may_exceed = warehouse_for(order, line_id, settings.dropship_warehouse_id)
        exceed = exceed or may_exceed
        lines.append(FulfilLine(line_id, quantity, warehouse))
    return api.fulfil(
        order.saleor_order_id,
        lines,
        request.tracking_number,
        notify_customer=settings.notify_customer,
        allow_stock_to_be_exceeded=exceed,
    )


def _approve_if_needed(
    api: SaleorApi, written: list[Fulfilment], settings: ShopSettings
) -> OrderInfo | None:
    """Approve what waits for approval; returns the order as the last approval answered it."""
    latest = None
    if not settings.approve_fulfilments:
        return None
    for fulfilment in written:
        if fulfilment.status == FulfilmentStatus.WAITING_FOR_APPROVAL:
            latest = api.approve_fulfilment(fulfilment.id, settings.notify_customer) or latest
    return latest


def _keep_partial(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    shipment_id: int,
    written: list[Fulfilment],
) -> None:
    if not written:
        return
    with uow_factory() as uow:
        shipment = uow.shipments.get(installation_id, shipment_id)
        assert shipment is not None
        shipment.fulfillment_ids = tuple(f.id for f in written)
        uow.shipments.save(installation_id, shipment)
        uow.commit()


def _not_written(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    shipment_id: int,
    reason: str,
    written: list[Fulfilment],
) -> ShipmentStatus:
    with uow_factory() as uow:
        shipment = uow.shipments.get(installation_id, shipment_id)
        assert shipment is not None
        shipment.status, shipment.failure_reason = ShipmentStatus.NOT_WRITTEN, reason
        shipment.fulfillment_ids = tuple(f.id for f in written)
        uow.shipments.save(installation_id, shipment)
        outbound_failed(uow, installation_id, f"fulfil-{shipment_id}", reason)
        uow.commit()
    return ShipmentStatus.NOT_WRITTEN


def _record_written(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    shipment_id: int,
    written: list[Fulfilment],
    latest: OrderInfo | None,
) -> None:
    """The shipment is written; the order's copy becomes what Saleor answered (our own
    FULFILLMENT_CREATED event is skipped at ingest), or, when no mutation answered it (every
    fulfilment adopted after a timeout), the stored copy with the shipped quantities added."""
    now = datetime.now(UTC)
    with uow_factory() as uow:
        shipment = uow.shipments.get(installation_id, shipment_id)
        order = uow.orders.get(installation_id, shipment.saleor_order_id) if shipment else None
        assert shipment is not None and order is not None
        shipment.status, shipment.failure_reason = ShipmentStatus.WRITTEN, None
        shipment.fulfillment_ids = tuple(f.id for f in written)
        uow.shipments.save(installation_id, shipment)
        outbound_sent(uow, installation_id, f"fulfil-{shipment_id}")
        info = latest or order.info.with_fulfilled(shipment.quantities())
        order = store_order_info(uow, installation_id, info)
        notes = [_shipment_note(uow, installation_id, shipment)]
        notes.extend(
            update_progress(uow, installation_id, order, actor=shipment.created_by, at=now)
        )
        queue_write_back(uow, queue, installation_id, order.saleor_order_id, " ".join(notes))
        uow.commit()


def _shipment_note(uow: UnitOfWork, installation_id: InstallationId, shipment: Shipment) -> str:
    po = uow.purchase_orders.get(installation_id, shipment.purchase_order_id)
    carrier = f" ({shipment.carrier.name})" if shipment.carrier else ""
    number = po.number if po else str(shipment.purchase_order_id)
    return f"PO {number} shipped: tracking {', '.join(shipment.tracking_numbers)}{carrier}."


def update_progress(
    uow: UnitOfWork,
    installation_id: InstallationId,
    order: Order,
    *,
    actor: str,
    at: datetime,
) -> list[str]:
    """POs become partially shipped or shipped; the order follows its fulfilments
    (Order.follow_fulfilments: "Complete" when every drop-shipped line is fulfilled).
    Returns the notes for Saleor."""
    shipments = uow.shipments.list_for_order(installation_id, order.saleor_order_id)
    notes = []
    pos = uow.purchase_orders.list_for_order(installation_id, order.saleor_order_id)
    for po in pos:
        shipped = shipped_quantities(
            s
            for s in shipments
            if s.purchase_order_id == po.id and s.status is ShipmentStatus.WRITTEN
        )
        target = po_status_after_shipping(po, shipped)
        if target is not None:
            po.record_shipping(target, actor=actor, at=at)
            uow.purchase_orders.save(installation_id, po)
    note = order.follow_fulfilments(load_plan(uow, installation_id, order).drop_shipped_line_ids)
    if note is not None:
        uow.orders.set_state(installation_id, order.saleor_order_id, order.state, order.state_note)
        notes.append(note)
    return notes
