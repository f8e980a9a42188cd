"""Writing shipments to Saleor as fulfilments, correcting tracking, cancelling."""

from __future__ import annotations

from celery import Task

from app.adapters import metrics
from app.celery_app import celery, container
from app.jobs.runner import is_final_attempt, run
from app.services import fulfilment_changes, fulfilments
from app.services.outbound import SALEOR_WRITE_POLICY

WRITE_RETRIES = SALEOR_WRITE_POLICY.max_retries


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.write_fulfilment_task", max_retries=WRITE_RETRIES
)
def write_fulfilment_task(self: Task, installation_id: int, shipment_id: int) -> str:
    """orderFulfill for a shipment; outages retry (reading back first), refusals are shown."""
    parts = container()
    outcome = run(
        self,
        lambda: (
            fulfilments.write_fulfilment(
                parts.uow_factory,
                parts.saleor,
                parts.task_queue,
                installation_id=installation_id,  # type: ignore[arg-type]
                shipment_id=shipment_id,
                final_attempt=is_final_attempt(self),
                claim_token=str(self.request.id or ""),
            ).value
        ),
        what=f"shipment {shipment_id}",
    )
    metrics.fulfilment_written(outcome)
    return outcome


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.update_tracking_task", max_retries=WRITE_RETRIES
)
def update_tracking_task(self: Task, installation_id: int, shipment_id: int) -> str:
    parts = container()

    def update() -> str:
        fulfilment_changes.update_tracking_in_saleor(
            parts.uow_factory,
            parts.saleor,
            installation_id=installation_id,  # type: ignore[arg-type]
            shipment_id=shipment_id,
            claim_token=str(self.request.id or ""),
            final_attempt=is_final_attempt(self),
        )
        return "updated"

    return run(self, update, what=f"tracking update for shipment {shipment_id}")


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shipments.cancel_shipment_task", max_retries=WRITE_RETRIES
)
def cancel_shipment_task(self: Task, installation_id: int, shipment_id: int) -> str:
    parts = container()
    return run(
        self,
        lambda: (
            fulfilment_changes.cancel_in_saleor(
                parts.uow_factory,
                parts.saleor,
                parts.task_queue,
                installation_id=installation_id,  # type: ignore[arg-type]
                shipment_id=shipment_id,
                claim_token=str(self.request.id or ""),
                final_attempt=is_final_attempt(self),
            ).value
        ),
        what=f"cancelling shipment {shipment_id}",
    )
