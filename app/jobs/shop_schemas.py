"""Re-reading shops' schemas: daily, and after Saleor refused one of the app's documents."""

from __future__ import annotations

from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import AppTask
from app.services.tasks import TaskName

RETRIES = 3


def _verdict(record: object) -> str:
    if record is None:
        return "skipped"
    return "compatible" if getattr(record, "is_compatible", False) else "incompatible"


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.RECHECK_SHOP_SCHEMA, max_retries=RETRIES
)
def recheck_shop_schema_task(self: AppTask, api_url: str) -> str:
    """Read one shop's schema again now (Saleor answered a document as invalid)."""
    return _verdict(container().use_cases.recheck_shop_schema_by_url(api_url=api_url))


@celery.task(  # type: ignore[untyped-decorator]
    base=AppTask, bind=True, name=TaskName.RECHECK_INSTALLATION_SCHEMA, max_retries=RETRIES
)
def recheck_installation_schema_task(self: AppTask, installation_id: InstallationId) -> str:
    """The daily check of one shop: its Saleor version, and the schema again if it changed."""
    return _verdict(container().use_cases.recheck_shop_schema(installation_id=installation_id))


@celery.task(name=TaskName.RECHECK_SHOP_SCHEMAS)  # type: ignore[untyped-decorator]
def recheck_shop_schemas_task() -> int:
    """Beat, daily: one check task per installed shop."""
    ids = container().use_cases.active_installation_ids()
    for installation_id in ids:
        recheck_installation_schema_task.delay(installation_id=installation_id)
    return len(ids)
