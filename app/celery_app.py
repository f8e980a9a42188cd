"""The worker's entry point: ``celery -A app.celery_app worker``."""

from __future__ import annotations

from functools import cache
from typing import Any

from celery.signals import worker_process_init

from app.adapters.task_queue import build_celery
from app.bootstrap import Container, build_container
from app.jobs.relay import InboxRelayStep
from app.settings import load_settings

_settings = load_settings()
celery = build_celery(_settings.celery_broker_url, always_eager=_settings.celery_always_eager)
celery.steps["worker"].add(InboxRelayStep)


@cache
def container() -> Container:
    """The worker's adapters, built on first use inside the worker process."""
    return build_container(_settings, celery=celery)


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _warm_up(**_kwargs: Any) -> None:
    """Load the schema and documents in each worker process before its first task."""
    container()
