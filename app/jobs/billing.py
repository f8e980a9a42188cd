"""Billing: the hourly sweep that tells shops a paid module stopped after its grace period."""

from __future__ import annotations

from app.celery_app import celery, container
from app.services.tasks import TaskName


@celery.task(name=TaskName.NOTIFY_LAPSED_MODULES)  # type: ignore[untyped-decorator]
def notify_lapsed_modules_task() -> int:
    """Beat, hourly: email each shop whose module lapsed, once per lapse."""
    told: int = container().use_cases.notify_lapsed_modules()
    return told
