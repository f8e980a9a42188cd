"""Re-reading shops' schemas: daily, and after Saleor refused one of the app's documents."""

from __future__ import annotations

from celery import Task

from app.celery_app import celery, container
from app.domain.installations import InstallationId
from app.jobs.runner import run
from app.services import shop_schemas

RETRIES = 3


def _verdict(record: object) -> str:
    if record is None:
        return "skipped"
    return "compatible" if getattr(record, "is_compatible", False) else "incompatible"


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shop_schemas.recheck_shop_schema_task", max_retries=RETRIES
)
def recheck_shop_schema_task(self: Task, api_url: str) -> str:
    """Read one shop's schema again now (Saleor answered a document as invalid)."""
    parts = container()
    return run(
        self,
        lambda: _verdict(
            shop_schemas.recheck_shop_schema_by_url(parts.uow_factory, parts.saleor, api_url)
        ),
        what=f"schema of {api_url}",
    )


@celery.task(  # type: ignore[untyped-decorator]
    bind=True, name="app.jobs.shop_schemas.recheck_installation_schema_task", max_retries=RETRIES
)
def recheck_installation_schema_task(self: Task, installation_id: int) -> str:
    """The daily check of one shop: its Saleor version, and the schema again if it changed."""
    parts = container()
    return run(
        self,
        lambda: _verdict(
            shop_schemas.recheck_shop_schema(
                parts.uow_factory, parts.saleor, InstallationId(installation_id)
            )
        ),
        what=f"schema of installation {installation_id}",
    )


@celery.task(name="app.jobs.shop_schemas.recheck_shop_schemas_task")  # type: ignore[untyped-decorator]
def recheck_shop_schemas_task() -> int:
    """Beat, daily: one check task per installed shop."""
    ids = shop_schemas.active_installation_ids(container().uow_factory)
    for installation_id in ids:
        recheck_installation_schema_task.delay(installation_id)
    return len(ids)
