"""Following charges and voids: short polls right after a request, and a beat sweep."""

from __future__ import annotations

from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.tasks import TaskName


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask,
    bind=True,
    name=TaskName.FOLLOW_PAYMENT,
    max_retries=3,
    backoff_seconds=5,
    cap_seconds=60,
)
def follow_payment_task(self: AppTask, installation_id: InstallationId, attempt_id: int) -> str:
    """Read the transaction a few times in the seconds after the request; Saleor unreachable
    retries; a charge still pending after that is left to the sweep."""
    cases = container().use_cases
    status = cases.follow_payment(installation_id=installation_id, attempt_id=int(attempt_id))
    cases.queue_advance_after_payment(installation_id=installation_id, attempt_id=int(attempt_id))
    return str(status)


@celery.task(name=TaskName.FOLLOW_PAYMENTS_IN_FLIGHT)  # type: ignore[untyped-decorator]
def follow_payments_in_flight_task() -> int:
    """Every 30 seconds (beat): every charge or void still waiting for its result, read once."""
    return container().use_cases.follow_payments_in_flight()  # type: ignore[no-any-return]
