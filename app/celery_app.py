"""The worker's entry point: ``celery -A app.celery_app worker``."""

from __future__ import annotations

from functools import cache
from typing import Any

from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init

from app.adapters.db.shops import shop_of_task
from app.adapters.logs import configure_logging, never_log, set_log_context
from app.adapters.task_queue import build_celery
from app.bootstrap import Container, build_container
from app.jobs.relay import InboxRelayStep
from app.settings import load_settings

_settings = load_settings()
celery = build_celery(_settings.celery_broker_url, always_eager=_settings.celery_always_eager)
if _settings.inbox_relay_in_worker:
    celery.steps["worker"].add(InboxRelayStep)


@cache
def container() -> Container:
    """The worker's adapters, built on first use inside the worker process."""
    return build_container(_settings, celery=celery)


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _warm_up(**_kwargs: Any) -> None:
    """Load the schema and documents in each worker process before its first task."""
    container()


@setup_logging.connect  # type: ignore[untyped-decorator]
def _logging(**_kwargs: Any) -> None:
    """The app's own log lines (JSON in production) instead of Celery's set-up."""
    configure_logging(_settings.log_level, json_lines=_settings.environment == "production")
    never_log(
        *_settings.secret_keys,
        _settings.smtp_password,
        _settings.metrics_token,
        _settings.stripe_secret_key,
        _settings.stripe_webhook_secret,
    )


@task_prerun.connect  # type: ignore[untyped-decorator]
def _log_context(task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    """Each task's lines name its shop and the order, PO or delivery it works on."""
    kwargs = kwargs or {}
    delivery_id = args[0] if args and str(task.name).endswith("process_delivery_task") else None
    set_log_context(
        shop=shop_of_task(container().engine, kwargs.get("installation_id"), delivery_id),
        order_id=kwargs.get("order_id"),
        po_id=kwargs.get("po_id"),
        delivery_id=delivery_id,
    )


@task_postrun.connect  # type: ignore[untyped-decorator]
def _end_log_context(**_: Any) -> None:
    set_log_context()
