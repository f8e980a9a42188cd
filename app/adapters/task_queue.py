"""Celery: the broker connection and the TaskQueue port over it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import kombu.exceptions
from celery import Celery
from kombu.exceptions import OperationalError as BrokerError

from app.errors import Retryable
from app.services.outbound import CLAIM_STALE_AFTER
from app.services.tasks import TaskName

# a pipelined batch the broker cut short (kombu 5.7+): some messages may have gone, so the relay
# releases its claim and hands them all over again (processing a delivery twice is a no-op)
_BatchPublishError = getattr(kombu.exceptions, "BatchPublishError", BrokerError)

# No task may hold a worker process forever (a merchant template is bounded on its own, see
# adapters/bounded_render.py; this is the backstop for anything else). The soft limit raises
# SoftTimeLimitExceeded in the task; the hard one kills the process (prefork pool) and, with
# task_acks_on_failure_or_timeout (the default), the message is acknowledged, not redelivered.
TASK_SOFT_TIME_LIMIT_SECONDS = 120
TASK_TIME_LIMIT_SECONDS = 150


class QueueUnavailable(Retryable):
    """The broker cannot take the task now."""


def _transport_options(broker_url: str) -> dict[str, float]:
    if broker_url.startswith(("redis://", "rediss://")):
        # a task a killed worker left unacknowledged comes back after the send claim's
        # staleness window, when the claim may be taken over (services/outbound.py)
        return {
            "socket_timeout": 2,
            "socket_connect_timeout": 2,
            "visibility_timeout": CLAIM_STALE_AFTER.total_seconds(),
        }
    return {}  # the database broker hands these to create_engine(): nothing to add


def build_celery(broker_url: str, *, always_eager: bool = False) -> Celery:
    """One Celery configuration for the web process (sending) and the worker (running)."""
    celery = Celery(
        "dropship",
        broker=broker_url,
        include=[
            "app.jobs.deliveries",
            "app.jobs.edi",
            "app.jobs.purchase_orders",
            "app.jobs.shipments",
            "app.jobs.shop_schemas",
            "app.jobs.risk",
            "app.jobs.payments",
        ],
    )
    celery.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_soft_time_limit=TASK_SOFT_TIME_LIMIT_SECONDS,
        task_time_limit=TASK_TIME_LIMIT_SECONDS,
        worker_prefetch_multiplier=1,
        task_always_eager=always_eager,
        task_eager_propagates=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(broker_url),
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        worker_hijack_root_logger=False,
        beat_schedule={
            "queue-waiting-write-backs": {
                "task": TaskName.QUEUE_WAITING_WRITE_BACKS.value,
                "schedule": 60.0,
            },
            "queue-lost-writes": {
                "task": TaskName.QUEUE_LOST_WRITES.value,
                "schedule": 60.0,
            },
            "queue-missed-reviews": {
                "task": TaskName.QUEUE_MISSED_REVIEWS.value,
                "schedule": 60.0,
            },
            "follow-payments-in-flight": {
                "task": TaskName.FOLLOW_PAYMENTS_IN_FLIGHT.value,
                "schedule": 30.0,
            },
            "recheck-shop-schemas": {
                "task": TaskName.RECHECK_SHOP_SCHEMAS.value,
                "schedule": 86400.0,
            },
            "poll-edi-vendors": {
                "task": TaskName.POLL_EDI_VENDORS.value,
                "schedule": 60.0,
            },
            "prune-delivery-payloads": {
                "task": TaskName.PRUNE_DELIVERY_PAYLOADS.value,
                "schedule": 86400.0,
            },
        },
    )
    return celery


class CeleryTaskQueue:
    def __init__(self, celery: Celery) -> None:
        self._celery = celery

    def enqueue_delivery(self, delivery_id: int) -> None:
        self.enqueue_deliveries([delivery_id])

    def enqueue_deliveries(self, delivery_ids: Sequence[int]) -> None:
        """One message per delivery (each retries on its own), all on one producer connection,
        written in one pipelined round trip where the transport can (kombu's ``Producer.batch``:
        Redis; kombu otherwise creates a Redis client per message, most of a publish's CPU)."""
        try:
            with self._celery.producer_or_acquire() as producer:
                batch = getattr(producer, "batch", None)  # kombu 5.7+
                with batch(max_size=max(1, len(delivery_ids))) if batch else nullcontext():
                    for delivery_id in delivery_ids:
                        self._celery.send_task(
                            TaskName.PROCESS_DELIVERY.value, args=[delivery_id], producer=producer
                        )
        except (BrokerError, _BatchPublishError, OSError) as error:
            raise QueueUnavailable(f"The task queue is unavailable: {error}") from None

    def enqueue(self, task: str, **arguments: Any) -> None:
        try:
            self._celery.send_task(TaskName(task).value, kwargs=arguments)
        except BrokerError as error:
            raise QueueUnavailable(f"The task queue is unavailable: {error}") from None
