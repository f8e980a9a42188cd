"""Sending purchase orders and writing the outcome back to Saleor."""

from __future__ import annotations

from celery import Task

from app.adapters import metrics
from app.celery_app import celery, container
from app.jobs.runner import is_final_attempt, run
from app.services import dispatch, lost_writes, order_writeback, writeback_queue
from app.services.outbound import PO_SEND_POLICY, SALEOR_WRITE_POLICY

SEND_RETRIES = PO_SEND_POLICY.max_retries
WRITE_BACK_RETRIES = SALEOR_WRITE_POLICY.max_retries


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.purchase_orders.send_purchase_order_task", max_retries=SEND_RETRIES
)
def send_purchase_order_task(
    self: Task, installation_id: int, po_id: int, revision: int, actor: str
) -> str:
    """Send one PO revision; mail outages retry with backoff, then the PO shows "send failed"."""
    parts = container()
    outcome = run(
        self,
        lambda: (
            dispatch.dispatch_purchase_order(
                parts.uow_factory,
                parts.mailer,
                parts.documents,
                parts.task_queue,
                parts.mail_defaults,
                installation_id=installation_id,  # type: ignore[arg-type]
                po_id=po_id,
                revision=revision,
                actor=actor,
                claim_token=str(self.request.id or f"eager-{po_id}-{revision}"),
                final_attempt=is_final_attempt(self),
            ).value
        ),
        what=f"PO {po_id}",
        backoff_seconds=PO_SEND_POLICY.backoff_seconds,
        cap_seconds=PO_SEND_POLICY.cap_seconds,
    )
    metrics.po_sent("email", outcome)
    return outcome


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.purchase_orders.write_back_order_task", max_retries=WRITE_BACK_RETRIES
)
def write_back_order_task(self: Task, installation_id: int, order_id: str) -> str:
    """The waiting notes and metadata in Saleor; outages retry, refusals are logged."""
    parts = container()

    def write_back() -> str:
        order_writeback.write_back_order(
            parts.uow_factory,
            parts.saleor,
            parts.task_queue,
            installation_id=installation_id,  # type: ignore[arg-type]
            order_id=order_id,
            claim_token=str(self.request.id or ""),
        )
        return "written"

    return run(
        self,
        write_back,
        what=f"write-back for {order_id}",
        backoff_seconds=SALEOR_WRITE_POLICY.backoff_seconds,
        cap_seconds=SALEOR_WRITE_POLICY.cap_seconds,
    )


@celery.task(name="app.jobs.purchase_orders.queue_waiting_write_backs_task")  # type: ignore[untyped-decorator]
def queue_waiting_write_backs_task() -> int:
    """Every minute (beat): write-backs for notes a broker outage left waiting."""
    parts = container()
    return writeback_queue.queue_waiting_write_backs(parts.uow_factory, parts.task_queue)


@celery.task(name="app.jobs.purchase_orders.queue_lost_writes_task")  # type: ignore[untyped-decorator]
def queue_lost_writes_task() -> int:
    """Every minute (beat): PO sends and fulfilment writes a broker outage left without a task."""
    parts = container()
    return lost_writes.queue_lost_writes(parts.uow_factory, parts.task_queue)
