"""The risk review of an order, computed when the order arrives or changes."""

from __future__ import annotations

from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.tasks import TaskName

RETRIES = 5


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.REVIEW_ORDER_RISK, max_retries=RETRIES
)
def review_order_risk_task(self: AppTask, installation_id: InstallationId, order_id: str) -> str:
    """Score the order (Saleor outages retry; Stripe never blocks it) and store the review."""
    review = container().use_cases.review_order_risk(
        installation_id=installation_id, order_id=order_id
    )
    container().use_cases.queue_order_advance(installation_id=installation_id, order_id=order_id)
    return str(review.verdict.value)


@celery.task(name=TaskName.QUEUE_MISSED_REVIEWS)  # type: ignore[untyped-decorator]
def queue_missed_reviews_task() -> int:
    """Beat: review the orders whose review task was lost (worker down, broker outage)."""
    return container().use_cases.queue_missed_reviews()  # type: ignore[no-any-return]
