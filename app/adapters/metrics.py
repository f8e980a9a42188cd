"""Prometheus figures, counted in every process and added up across them.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``make run`` and production set it) each gunicorn and
Celery process writes its figures to files there and ``/metrics`` adds them up
(prometheus-client's multiprocess mode). Call sites use the small functions below only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

DELIVERIES = Counter(
    "dropship_webhook_deliveries_total",
    "Webhook deliveries by event and outcome",
    ["event", "outcome"],
)
INGEST_SECONDS = Histogram(
    "dropship_webhook_ingest_seconds",
    "Time to verify, record and queue a webhook",
    buckets=LATENCY_BUCKETS,
)
TASK_RUNS = Counter(
    "dropship_task_runs_total",
    "Background task runs by task and outcome (done, skipped, retry, failed)",
    ["task", "outcome"],
)
PO_SENDS = Counter(
    "dropship_po_sends_total",
    "Purchase order sends by channel and outcome",
    ["channel", "outcome"],
)
SALEOR_CALLS = Counter(
    "dropship_saleor_calls_total",
    "Saleor API calls by operation and result",
    ["operation", "result"],
)
SALEOR_SECONDS = Histogram(
    "dropship_saleor_call_seconds",
    "Saleor API call latency by operation",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
FULFILMENT_WRITES = Counter(
    "dropship_fulfilment_writes_total", "Fulfilment writes to Saleor by result", ["result"]
)


def delivery_received(event: str, outcome: str, seconds: float) -> None:
    DELIVERIES.labels(event=event, outcome=outcome).inc()
    INGEST_SECONDS.observe(seconds)


def task_ran(task: str, outcome: str) -> None:
    """``outcome``: done, skipped, retry or failed (a failure that will not be retried)."""
    TASK_RUNS.labels(task=task, outcome=outcome).inc()


def po_sent(channel: str, outcome: str) -> None:
    PO_SENDS.labels(channel=channel, outcome=outcome).inc()


def saleor_call(operation: str, result: str, seconds: float) -> None:
    SALEOR_CALLS.labels(operation=operation, result=result).inc()
    SALEOR_SECONDS.labels(operation=operation).observe(seconds)


def fulfilment_written(result: str) -> None:
    FULFILMENT_WRITES.labels(result=result).inc()


class InboxCollector(Collector):
    """Backlog figures read from the database at scrape time."""

    def __init__(self, read: Callable[[], tuple[int, float]]) -> None:
        self._read = read

    def collect(self):  # type: ignore[no-untyped-def]
        count, oldest_age = self._read()
        backlog = GaugeMetricFamily(
            "dropship_inbox_backlog", "Webhook deliveries received and not yet processed"
        )
        backlog.add_metric([], count)
        age = GaugeMetricFamily(
            "dropship_inbox_oldest_age_seconds", "Age of the oldest unprocessed delivery"
        )
        age.add_metric([], oldest_age)
        return [backlog, age]


def exposition(directory: Path | None, inbox: Callable[[], tuple[int, float]]) -> tuple[bytes, str]:
    """The figures of every process (or this one alone without a directory), as text."""
    registry: CollectorRegistry = REGISTRY
    if directory is not None:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    own = CollectorRegistry()
    own.register(InboxCollector(inbox))
    return generate_latest(registry) + generate_latest(own), CONTENT_TYPE_LATEST


def process_exited(pid: int) -> None:
    """Gunicorn's ``child_exit``: fold a dead worker's live gauges away."""
    mark_process_dead(pid)  # type: ignore[no-untyped-call]
