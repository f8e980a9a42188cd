"""Sending purchase orders and writing the outcome back to Saleor."""

from __future__ import annotations

from functools import partial

from app.adapters import metrics
from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.outbound import PO_SEND_POLICY, SALEOR_WRITE_POLICY
from app.services.tasks import TaskName

SEND_RETRIES = PO_SEND_POLICY.max_retries
WRITE_BACK_RETRIES = SALEOR_WRITE_POLICY.max_retries


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask,
    bind=True,
    name=TaskName.SEND_PURCHASE_ORDER,
    max_retries=SEND_RETRIES,
    backoff_seconds=PO_SEND_POLICY.backoff_seconds,
    cap_seconds=PO_SEND_POLICY.cap_seconds,
    count_outcome=partial(metrics.po_sent, "email"),
)
def send_purchase_order_task(
    self: AppTask, installation_id: InstallationId, po_id: int, revision: int, actor: str
) -> str:
    """Send one PO revision; outages retry with backoff, then the PO shows "send failed"."""
    outcome = container().use_cases.dispatch_purchase_order(
        installation_id=installation_id,
        po_id=po_id,
        revision=revision,
        actor=actor,
        claim_token=self.claim_token or f"eager-{po_id}-{revision}",
        final_attempt=self.final_attempt,
    )
    return str(outcome.value)


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask,
    bind=True,
    name=TaskName.WRITE_BACK_ORDER,
    max_retries=WRITE_BACK_RETRIES,
    backoff_seconds=SALEOR_WRITE_POLICY.backoff_seconds,
    cap_seconds=SALEOR_WRITE_POLICY.cap_seconds,
)
def write_back_order_task(self: AppTask, installation_id: InstallationId, order_id: str) -> str:
    """The waiting notes and metadata in Saleor; outages retry, refusals are logged."""
    container().use_cases.write_back_order(
        installation_id=installation_id, order_id=order_id, claim_token=self.claim_token
    )
    return "written"


@celery.task(name=TaskName.QUEUE_WAITING_WRITE_BACKS)  # type: ignore[untyped-decorator]
def queue_waiting_write_backs_task() -> int:
    """Every minute (beat): write-backs for notes a broker outage left waiting."""
    return container().use_cases.queue_waiting_write_backs()  # type: ignore[no-any-return]


@celery.task(name=TaskName.QUEUE_LOST_WRITES)  # type: ignore[untyped-decorator]
def queue_lost_writes_task() -> int:
    """Every minute (beat): PO sends and fulfilment writes a broker outage left without a task."""
    return container().use_cases.queue_lost_writes()  # type: ignore[no-any-return]


@celery.task(name=TaskName.SEND_LATE_DIGESTS)  # type: ignore[untyped-decorator]
def send_late_digests_task() -> int:
    """Hourly (beat): each shop's late-PO email, at most once a UTC day."""
    return container().use_cases.send_late_digests()  # type: ignore[no-any-return]


@celery.task(name=TaskName.SEND_VENDOR_REMINDERS)  # type: ignore[untyped-decorator]
def send_vendor_reminders_task() -> int:
    """Hourly (beat): reminder emails to vendors about unconfirmed and late POs, once each."""
    return container().use_cases.send_vendor_reminders()  # type: ignore[no-any-return]
