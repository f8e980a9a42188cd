"""Automatic order processing, its triggers: queue an order's run after anything that may move
it on (a webhook, a review, a charge's end, a shipment written), only for a shop with the
module; and the minute's sweep."""

from __future__ import annotations

from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.services.automation import MODULE, enqueue_advance
from app.services.billing import module_active
from app.services.billing_ports import BillingConfig
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory


def queue_order_advance(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    order_id: str,
) -> bool:
    """After anything that may move an order on (a webhook, a review, a charge's end, a
    shipment written): queue its automatic run, only for a shop with the module."""
    with uow_factory() as uow:
        if not module_active(uow, billing_config, installation_id, MODULE):
            return False
    enqueue_advance(queue, installation_id, order_id)
    return True


def queue_advance_after_payment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    attempt_id: int,
) -> bool:
    """A charge reached its end: the order may go on."""
    with uow_factory() as uow:
        attempt = uow.payments.get(installation_id, attempt_id)
    if attempt is None or attempt.status.in_flight:
        return False
    return queue_order_advance(
        uow_factory, queue, billing_config, installation_id, attempt.order_id
    )


def queue_advance_after_shipment(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    billing_config: BillingConfig,
    installation_id: InstallationId,
    shipment_id: int,
) -> bool:
    """A shipment was written to Saleor: the order may be complete."""
    with uow_factory() as uow:
        shipment = uow.shipments.get(installation_id, shipment_id)
    if shipment is None:
        return False
    return queue_order_advance(
        uow_factory, queue, billing_config, installation_id, shipment.saleor_order_id
    )


def queue_due_orders(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> int:
    """The beat sweep: orders whose hold window ended, and held or waiting orders' rechecks."""
    with uow_factory() as uow:
        due = uow.automation.due(datetime.now(UTC))
    for installation_id, order_id in due:
        enqueue_advance(queue, installation_id, order_id)
    return len(due)
