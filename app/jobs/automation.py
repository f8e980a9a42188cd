"""Automatic order processing: advance one order, and the minute's sweep of due orders."""

from __future__ import annotations

from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.tasks import TaskName

RETRIES = 5


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.ADVANCE_ORDER, max_retries=RETRIES
)
def advance_order_task(self: AppTask, installation_id: InstallationId, order_id: str) -> str:
    """Take the order as far as the shop's rules allow now (Saleor outages retry)."""
    advanced = container().use_cases.advance_order(
        installation_id=installation_id, order_id=order_id
    )
    return str(advanced.step.value)


@celery.task(name=TaskName.QUEUE_DUE_AUTOMATION)  # type: ignore[untyped-decorator]
def queue_due_automation_task() -> int:
    """Every minute (beat): orders whose hold window ended or whose recheck is due."""
    return container().use_cases.queue_due_orders()  # type: ignore[no-any-return]
