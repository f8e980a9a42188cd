"""Processing of recorded webhook deliveries."""

from __future__ import annotations

import logging

from celery import Task

from app.adapters import metrics
from app.celery_app import celery, container
from app.errors import NoOp, Permanent, Retryable
from app.services import deliveries
from app.services.delivery_retention import prune_delivery_payloads

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.deliveries.process_delivery_task", max_retries=MAX_RETRIES
)
def process_delivery_task(self: Task, delivery_id: int) -> str:
    """Process one inbox row; temporary failures retry with exponential backoff (capped)."""
    outcome = _process(self, delivery_id)
    metrics.task_ran("process_delivery_task", "failed" if outcome == "failed" else "done")
    return outcome


def _process(task: Task, delivery_id: int) -> str:
    parts = container()
    try:
        return deliveries.process_delivery(
            parts.uow_factory, parts.saleor, delivery_id, parts.task_queue
        ).value
    except NoOp as skipped:
        logger.info("delivery %s: %s", delivery_id, skipped.message)
        return "skipped"
    except Retryable as error:
        if task.request.retries >= MAX_RETRIES:
            deliveries.mark_delivery_failed(parts.uow_factory, delivery_id, error.message)
            return "failed"
        metrics.task_ran("process_delivery_task", "retry")
        raise task.retry(countdown=min(600, 5 * 2**task.request.retries)) from error
    except Permanent as error:
        deliveries.mark_delivery_failed(parts.uow_factory, delivery_id, error.message)
        logger.warning("delivery %s failed: %s", delivery_id, error.message)
        return "failed"


@celery.task(name="app.jobs.deliveries.prune_delivery_payloads_task")  # type: ignore[untyped-decorator]
def prune_delivery_payloads_task() -> int:
    """Daily (beat): empty finished deliveries' bodies after DELIVERY_PAYLOAD_RETENTION_DAYS."""
    parts = container()
    pruned = prune_delivery_payloads(
        parts.uow_factory, parts.settings.delivery_payload_retention_days
    )
    logger.info("pruned the payload of %s processed deliveries", pruned)
    return pruned
