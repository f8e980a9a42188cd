"""The inbox relay inside each Celery worker: a thread started and stopped with it (ADR 8)."""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import bootsteps
from celery.signals import worker_process_init

from app.bootstrap import Container, build_container
from app.services.inbox_relay import InboxRelay
from app.settings import load_settings


@cache
def relay_container() -> Container:
    """The relay's own adapters (engine, broker producer), apart from the tasks' ones."""
    from app.celery_app import celery

    return build_container(load_settings(), celery=celery)


class InboxRelayStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """Runs in the worker's main process once its pool is up; several workers may run one each
    (claims skip each other's rows)."""

    requires = ("celery.worker.components:Pool",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.relay: InboxRelay | None = None

    def start(self, worker: Any) -> None:
        parts = relay_container()
        self.relay = InboxRelay(parts.uow_factory, parts.task_queue)
        self.relay.start()

    def stop(self, worker: Any) -> None:
        if self.relay is not None:
            self.relay.stop()
            self.relay = None


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _forget_relay_connections(**_kwargs: Any) -> None:
    """A pool process forked from the main one must never touch the relay's connections."""
    if relay_container.cache_info().currsize:
        relay_container().engine.dispose(close=False)
