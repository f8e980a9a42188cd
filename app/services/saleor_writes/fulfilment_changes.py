"""Changes to shipments already written to Saleor: tracking corrections and cancellations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.orders import OrderInfo
from app.domain.outbound import Channel, OutboundAttempt, Subject
from app.domain.shipments import ShipmentStatus
from app.errors import NoOp, Permanent, Retryable
from app.services.orders import store_order_info
from app.services.outbound import (
    SALEOR_WRITE_POLICY,
    begin_outbound,
    cancel_key,
    outbound_failed,
    outbound_retrying,
    outbound_sent,
    tracking_key,
)
from app.services.ports import SaleorGateway, TaskQueue
from app.services.saleor_writes.fulfilments import (
    load_write_context,
    update_progress,
    warehouse_for,
)
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


def _start(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    shipment_id: int,
    channel: Channel,
    key: str,
    claim_token: str,
) -> OutboundAttempt:
    """The write recorded and one attempt claimed, committed before Saleor is called."""
    with uow_factory() as uow:
        attempt = begin_outbound(
            uow,
            installation_id,
            subject=Subject.SHIPMENT,
            subject_id=shipment_id,
            channel=channel,
            key=key,
            token=claim_token,
            policy=SALEOR_WRITE_POLICY,
        )
        if attempt is None:
            raise NoOp(f"{channel.value} for shipment {shipment_id} is in flight in another task.")
        uow.commit()
    return attempt


@contextmanager
def _outbound(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    attempt: OutboundAttempt,
    final_attempt: bool,
) -> Iterator[None]:
    """Record how the write ended: a refusal or the last outage as "failed" with the reason
    (shown with the shipment), an outage before that as "retrying" with the next try."""
    try:
        yield
    except Retryable as error:
        if not final_attempt and attempt.attempts < attempt.max_attempts:
            outbound_retrying(
                uow_factory, installation_id, attempt, error.message, SALEOR_WRITE_POLICY
            )
            raise
        _end(uow_factory, installation_id, attempt, error.message)
        raise
    except Permanent as error:
        _end(uow_factory, installation_id, attempt, error.message)
        raise
    with uow_factory() as uow:
        outbound_sent(uow, installation_id, attempt.idempotency_key)
        uow.commit()


def _end(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    attempt: OutboundAttempt,
    reason: str,
) -> None:
    with uow_factory() as uow:
        outbound_failed(uow, installation_id, attempt.idempotency_key, reason)
        uow.commit()


def update_tracking_in_saleor(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    *,
    installation_id: InstallationId,
    shipment_id: int,
    claim_token: str = "",
    final_attempt: bool = False,
) -> None:
    """orderFulfillmentUpdateTracking for each fulfilment of a written shipment (idempotent:
    it sets the number). Recorded as an outbound write, so a failure is shown, not lost."""
    with uow_factory() as uow:
        shipment, installation, settings, _, _ = load_write_context(
            uow, installation_id, shipment_id
        )
    numbers = list(shipment.tracking_numbers)
    key = tracking_key(shipment_id, numbers)
    attempt = _start(
        uow_factory, installation_id, shipment_id, Channel.SALEOR_TRACKING, key, claim_token
    )
    api = saleor.api(installation.saleor_api_url, installation.token)
    with _outbound(uow_factory, installation_id, attempt, final_attempt):
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
    claim_token: str = "",
    final_attempt: bool = False,
) -> ShipmentStatus:
    """orderFulfillmentCancel for each fulfilment; the stock goes back to its warehouse.

    Saleor is read first, so a fulfilment cancelled before a timeout is not cancelled again."""
    with uow_factory() as uow:
        shipment, installation, settings, order, _ = load_write_context(
            uow, installation_id, shipment_id
        )
    attempt = _start(
        uow_factory,
        installation_id,
        shipment_id,
        Channel.SALEOR_CANCEL_FULFILMENT,
        cancel_key(shipment_id),
        claim_token,
    )
    api = saleor.api(installation.saleor_api_url, installation.token)
    latest: OrderInfo | None = None  # the order as the last cancellation answered it
    with _outbound(uow_factory, installation_id, attempt, final_attempt):
        in_saleor = {f.id: f for f in api.fetch_fulfilments(shipment.saleor_order_id)}
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
