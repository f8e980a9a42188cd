"""Celery: the broker connection and the TaskQueue port over it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import kombu.exceptions
from celery import Celery
from kombu.entity import PERSISTENT_DELIVERY_MODE
from kombu.exceptions import OperationalError as BrokerError
from kombu.messaging import Producer
from kombu.utils.uuid import uuid

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
            "app.jobs.billing",
            "app.jobs.automation",
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
            "send-late-po-emails": {
                "task": TaskName.SEND_LATE_DIGESTS.value,
                "schedule": 3600.0,
            },
            "send-vendor-reminders": {
                "task": TaskName.SEND_VENDOR_REMINDERS.value,
                "schedule": 3600.0,
            },
            "queue-due-automation": {
                "task": TaskName.QUEUE_DUE_AUTOMATION.value,
                "schedule": 60.0,
            },
            "notify-lapsed-modules": {
                "task": TaskName.NOTIFY_LAPSED_MODULES.value,
                "schedule": 3600.0,
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
        Redis; kombu otherwise creates a Redis client per message)."""
        try:
            with self._celery.producer_or_acquire() as producer:
                batch = getattr(producer, "batch", None)  # kombu 5.7+
                with batch(max_size=max(1, len(delivery_ids))) if batch else nullcontext():
                    _publish_deliveries(self._celery, producer, delivery_ids)
        except (BrokerError, _BatchPublishError, OSError) as error:
            raise QueueUnavailable(f"The task queue is unavailable: {error}") from None

    def enqueue(self, task: str, **arguments: Any) -> None:
        try:
            self._celery.send_task(TaskName(task).value, kwargs=arguments)
        except BrokerError as error:
            raise QueueUnavailable(f"The task queue is unavailable: {error}") from None

    def waiting(self) -> int | None:
        """The default queue's length (Redis and the database broker both count it)."""
        queue = self._celery.conf.task_default_queue
        try:
            with self._celery.connection_for_read() as connection:
                declared = connection.default_channel.queue_declare(queue=queue, passive=True)
                return int(declared.message_count)
        except Exception:  # a broker that cannot say is "unknown", not an error
            return None


def _publish_deliveries(celery: Celery, producer: Producer, delivery_ids: Sequence[int]) -> None:
    """``process_delivery_task(id)`` for each id, as ``send_task`` would send it, for less CPU.

    Celery builds the first message (protocol 2: its headers, properties and body); the others
    are that message with their own task id and argument. The default queue is declared once
    and ``Producer.publish`` is called directly, with send_task's retry policy: ``send_task``
    routes, builds and deep-copies the queue to declare it for every message (most of the
    relay's CPU per delivery). A failed publish raises and the relay releases the whole claim.
    """
    if not delivery_ids:
        return
    queue = celery.amqp.default_queue
    name = TaskName.PROCESS_DELIVERY.value
    first_id = uuid()
    headers, properties, body, _ = celery.amqp.create_task_message(
        first_id, name, [delivery_ids[0]], {}, reply_to=celery.thread_oid, ignore_result=None
    )
    _args, kwargs, embed = body
    publish = {
        "exchange": "",  # Celery's anonymous direct exchange for its default queue
        "routing_key": queue.name,
        "serializer": celery.conf.task_serializer,
        "delivery_mode": queue.exchange.delivery_mode or PERSISTENT_DELIVERY_MODE,
        # as send_task: a lost connection is revived (the next pass after an outage reconnects)
        "retry": celery.conf.task_publish_retry,
        "retry_policy": celery.conf.task_publish_retry_policy,
    }
    for index, delivery_id in enumerate(delivery_ids):
        task_id = first_id if index == 0 else uuid()
        producer.publish(  # type: ignore[no-untyped-call]
            ([delivery_id], kwargs, embed),
            headers={**headers, "id": task_id, "root_id": task_id, "argsrepr": repr([delivery_id])},
            declare=[queue] if index == 0 else None,
            **publish,
            **{**properties, "correlation_id": task_id},
        )
