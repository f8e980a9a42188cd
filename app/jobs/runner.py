"""How every task sorts a service's errors: NoOp → done, Retryable → retry with capped
exponential backoff, Permanent → logged (the service has recorded it where it is shown)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task

from app.adapters import metrics
from app.errors import NoOp, Permanent, Retryable

logger = logging.getLogger(__name__)


def run(
    task: Task,
    call: Callable[[], str],
    *,
    what: str,
    backoff_seconds: int = 5,
    cap_seconds: int = 600,
) -> str:
    """Run ``call`` (which returns the outcome's name) for ``task``; count the run."""
    name = str(getattr(task, "name", None) or "task").rsplit(".", 1)[-1]
    try:
        outcome = call()
    except NoOp as skipped:
        logger.info("%s: %s", what, skipped.message)
        outcome = "skipped"
    except Retryable as error:
        metrics.task_ran(name, "retry")
        countdown = min(cap_seconds, backoff_seconds * 2**task.request.retries)
        raise task.retry(countdown=countdown) from error
    except Permanent as error:
        logger.warning("%s failed: %s", what, error.message)
        outcome = "failed"
    metrics.task_ran(name, "failed" if outcome == "failed" else "done")
    return outcome


def is_final_attempt(task: Task) -> bool:
    return bool(task.request.retries >= (task.max_retries or 0))
