"""Processing of recorded webhook deliveries."""

from __future__ import annotations

import logging

from celery import Task

from app.adapters import metrics
from app.celery_app import celery, container
from app.errors import NoOp, Permanent, Retryable
from app.services.tasks import TaskName

logger = logging.getLogger(__name__)

MAX_RETRIES = 6


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name=TaskName.PROCESS_DELIVERY, max_retries=MAX_RETRIES
)
def process_delivery_task(self: Task, delivery_id: int) -> str:
    """Process one inbox row; temporary failures retry with exponential backoff (capped)."""
    outcome = _process(self, delivery_id)
    metrics.task_ran("process_delivery_task", "failed" if outcome == "failed" else "done")
    return outcome


def _process(task: Task, delivery_id: int) -> str:
    cases = container().use_cases
    try:
        return cases.process_delivery(delivery_id=delivery_id).value  # type: ignore[no-any-return]
    except NoOp as skipped:
        logger.info("delivery %s: %s", delivery_id, skipped.message)
        return "skipped"
    except Retryable as error:
        if task.request.retries >= MAX_RETRIES:
            cases.mark_delivery_failed(delivery_id=delivery_id, reason=error.message)
            return "failed"
        metrics.task_ran("process_delivery_task", "retry")
        raise task.retry(countdown=min(600, 5 * 2**task.request.retries)) from error
    except Permanent as error:
        cases.mark_delivery_failed(delivery_id=delivery_id, reason=error.message)
        logger.warning("delivery %s failed: %s", delivery_id, error.message)
        return "failed"


@celery.task(name=TaskName.PRUNE_DELIVERY_PAYLOADS)  # type: ignore[untyped-decorator]
def prune_delivery_payloads_task() -> int:
    """Daily (beat): empty finished deliveries' bodies after DELIVERY_PAYLOAD_RETENTION_DAYS."""
    parts = container()
    pruned: int = parts.use_cases.prune_delivery_payloads(
        retention_days=parts.settings.delivery_payload_retention_days
    )
    logger.info("pruned the payload of %s processed deliveries", pruned)
    windows = parts.rate_limiter.prune(older_than_seconds=86_400)  # rides on the daily run
    logger.info("pruned %s ended rate-limit windows", windows)
    answers = parts.use_cases.prune_vendor_api_answers()
    logger.info("pruned %s vendor API answers kept for replays", answers)
    return pruned
