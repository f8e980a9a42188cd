"""EDI vendors: the minute poll of their SFTP outbound folders (issue 12)."""

from __future__ import annotations

from app.celery_app import celery, container
from app.services.tasks import TaskName


@celery.task(name=TaskName.POLL_EDI_VENDORS)  # type: ignore[untyped-decorator]
def poll_edi_vendors_task() -> int:
    """Every minute (beat): take the files every EDI vendor left for us; returns files applied."""
    return container().use_cases.poll_edi_vendors()  # type: ignore[no-any-return]
