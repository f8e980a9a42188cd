"""Writing shipments to Saleor as fulfilments, correcting tracking, cancelling."""

from __future__ import annotations

from app.adapters import metrics
from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.outbound import SALEOR_WRITE_POLICY
from app.services.tasks import TaskName

WRITE_RETRIES = SALEOR_WRITE_POLICY.max_retries


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask,
    bind=True,
    name=TaskName.WRITE_FULFILMENT,
    max_retries=WRITE_RETRIES,
    count_outcome=metrics.fulfilment_written,
)
def write_fulfilment_task(self: AppTask, installation_id: InstallationId, shipment_id: int) -> str:
    """orderFulfill for a shipment; outages retry (reading back first), refusals are shown."""
    outcome = container().use_cases.write_fulfilment(
        installation_id=installation_id,
        shipment_id=shipment_id,
        final_attempt=self.final_attempt,
        claim_token=self.claim_token,
    )
    container().use_cases.queue_advance_after_shipment(
        installation_id=installation_id, shipment_id=shipment_id
    )
    return str(outcome.value)


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.UPDATE_TRACKING, max_retries=WRITE_RETRIES
)
def update_tracking_task(self: AppTask, installation_id: InstallationId, shipment_id: int) -> str:
    container().use_cases.update_tracking_in_saleor(
        installation_id=installation_id,
        shipment_id=shipment_id,
        claim_token=self.claim_token,
        final_attempt=self.final_attempt,
    )
    return "updated"


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.CANCEL_SHIPMENT, max_retries=WRITE_RETRIES
)
def cancel_shipment_task(self: AppTask, installation_id: InstallationId, shipment_id: int) -> str:
    outcome = container().use_cases.cancel_in_saleor(
        installation_id=installation_id,
        shipment_id=shipment_id,
        claim_token=self.claim_token,
        final_attempt=self.final_attempt,
    )
    return str(outcome.value)
