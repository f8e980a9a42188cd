"""Writing shipments to Saleor as fulfilments, correcting tracking, cancelling."""

from __future__ import annotations

import logging

from celery import Task

from app.celery_app import celery, container
from app.errors import NoOp, Permanent, Retryable
from app.services import fulfilment_changes, fulfilments

logger = logging.getLogger(__name__)

WRITE_RETRIES = 6


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.write_fulfilment_task", max_retries=WRITE_RETRIES
)
def write_fulfilment_task(self: Task, installation_id: int, shipment_id: int) -> str:
    """orderFulfill for a shipment; outages retry (reading back first), refusals are shown."""
    parts = container()
    try:
        return fulfilments.write_fulfilment(
            parts.uow_factory,
            parts.saleor,
            parts.task_queue,
            installation_id=installation_id,  # type: ignore[arg-type]
            shipment_id=shipment_id,
            final_attempt=self.request.retries >= WRITE_RETRIES,
        ).value
    except NoOp as skipped:
        logger.info("shipment %s: %s", shipment_id, skipped.message)
        return "skipped"
    except Retryable as error:
        raise self.retry(countdown=min(600, 5 * 2**self.request.retries)) from error


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.update_tracking_task", max_retries=WRITE_RETRIES
)
def update_tracking_task(self: Task, installation_id: int, shipment_id: int) -> str:
    parts = container()
    try:
        fulfilment_changes.update_tracking_in_saleor(
            parts.uow_factory,
            parts.saleor,
            installation_id=installation_id,  # type: ignore[arg-type]
            shipment_id=shipment_id,
        )
    except NoOp:
        return "skipped"
    except Retryable as error:
        raise self.retry(countdown=min(600, 5 * 2**self.request.retries)) from error
    except Permanent as error:
        logger.warning("tracking update for shipment %s refused: %s", shipment_id, error.message)
        return "failed"
    return "updated"


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.cancel_shipment_task", max_retries=WRITE_RETRIES
)
def cancel_shipment_task(self: Task, installation_id: int, shipment_id: int) -> str:
    parts = container()
    try:
        return fulfilment_changes.cancel_in_saleor(
            parts.uow_factory,
            parts.saleor,
            parts.task_queue,
            installation_id=installation_id,  # type: ignore[arg-type]
            shipment_id=shipment_id,
        ).value
    except NoOp:
        return "skipped"
    except Retryable as error:
        raise self.retry(countdown=min(600, 5 * 2**self.request.retries)) from error
    except Permanent as error:
        logger.warning("cancelling shipment %s refused: %s", shipment_id, error.message)
        return "failed"
