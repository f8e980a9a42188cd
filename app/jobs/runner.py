"""How every task sorts a service's errors: NoOp → done, Retryable → retry with capped
exponential backoff, Permanent → logged (the service has recorded it where it is shown)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from celery import Task

from app.adapters import metrics
from app.domain.installations import InstallationId
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


class AppTask(Task):  # type: ignore[misc]
    """Base of the app's tasks (``@celery.task(base=AppTask, bind=True, ...)``).

    The body calls one use case with ids; this class converts the ids (``installation_id`` to
    an ``InstallationId``), sorts the use case's errors with ``run`` (NoOp → "skipped",
    Retryable → retry with capped backoff, Permanent → "failed", logged) and counts the run.
    Decorator keywords set ``backoff_seconds``, ``cap_seconds`` and ``count_outcome`` (a
    metric for the outcome). The body may read ``claim_token`` and ``final_attempt``.
    """

    backoff_seconds = 5
    cap_seconds = 600
    count_outcome: Callable[[str], None] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The worker's tracer has pushed this delivery's request (id, retries) already: call
        # the body directly (Task.__call__ would push a second request without them).
        if "installation_id" in kwargs:
            kwargs["installation_id"] = InstallationId(int(kwargs["installation_id"]))
        ids = [f"{name.removesuffix('_id')} {value}" for name, value in kwargs.items()]
        outcome = run(
            self,
            lambda: self.run(*args, **kwargs),
            what=", ".join(ids) or str(self.name),
            backoff_seconds=self.backoff_seconds,
            cap_seconds=self.cap_seconds,
        )
        # a function given as a decorator keyword is a plain class attribute: not a method
        count = inspect.getattr_static(self, "count_outcome", None)
        if count is not None:
            count(outcome)
        return outcome

    @property
    def claim_token(self) -> str:
        """The same on a redelivery of this message: a claim it took may be taken again."""
        return str(self.request.id or "")

    @property
    def final_attempt(self) -> bool:
        return is_final_attempt(self)
