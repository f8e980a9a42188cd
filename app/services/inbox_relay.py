"""The inbox is the queue: a relay hands recorded deliveries to the worker in batches (ADR 8).

A webhook request only records its delivery. The relay claims "received" rows that were never
handed over (or were handed over so long ago that the hand-over must have been lost), commits the
claim, publishes one task per row over one broker connection, and releases the claim when the
broker refuses. Handing over is at-least-once; ``process_delivery`` makes it once in effect.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from app.errors import Retryable
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
IDLE_INTERVAL_SECONDS = 0.25
OUTAGE_INTERVAL_SECONDS = 1.0
# Longer than a delivery task's whole retry chain (5+10+…+160 s of backoff, 6 retries) plus its
# run time: a delivery still "received" this long after its hand-over lost its message (a worker
# killed, a retry that could not be published), so it is handed over again.
REHAND_AFTER = timedelta(minutes=15)


def relay_received_deliveries(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    *,
    batch_size: int = BATCH_SIZE,
    rehand_after: timedelta = REHAND_AFTER,
    now: datetime | None = None,
) -> int:
    """Hand one batch of waiting deliveries to the worker; returns how many were handed over.

    The claim is committed before the publish, so a relay that dies in between strands nothing:
    the rows are handed over again after ``rehand_after``. A broker that refuses releases the
    claim at once and the error propagates (the next pass tries again).
    """
    claimed_at = now or datetime.now(UTC)
    with uow_factory() as uow:
        delivery_ids = uow.deliveries.claim_waiting(
            claimed_at, claimed_at - rehand_after, batch_size
        )
        uow.commit()
    if not delivery_ids:
        return 0
    try:
        queue.enqueue_deliveries(delivery_ids)
    except Retryable:
        with uow_factory() as uow:
            uow.deliveries.release_claim(delivery_ids, claimed_at)
            uow.commit()
        raise
    return len(delivery_ids)


class InboxRelay:
    """Runs ``relay_received_deliveries`` in a loop until stopped: back to back while batches
    are full, every ``idle_interval`` seconds when idle, every ``outage_interval`` while the
    broker or the database is down."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        queue: TaskQueue,
        *,
        batch_size: int = BATCH_SIZE,
        idle_interval: float = IDLE_INTERVAL_SECONDS,
        outage_interval: float = OUTAGE_INTERVAL_SECONDS,
    ) -> None:
        self._uow_factory = uow_factory
        self._queue = queue
        self._batch_size = batch_size
        self._idle_interval = idle_interval
        self._outage_interval = outage_interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.handed_over = 0
        self.outage: str | None = None

    def run_once(self) -> float:
        """Hand over everything waiting now; returns how long to wait before the next pass."""
        try:
            while not self._stopping.is_set():
                handed = relay_received_deliveries(
                    self._uow_factory, self._queue, batch_size=self._batch_size
                )
                self.handed_over += handed
                if handed < self._batch_size:
                    break
        except Retryable as error:
            if self.outage is None:
                logger.warning("inbox relay paused: %s", error.message)
            self.outage = error.message
            return self._outage_interval
        if self.outage is not None:
            logger.info("inbox relay resumed")
            self.outage = None
        return self._idle_interval

    def run(self) -> None:
        """The loop; a bug in one pass is logged and the loop goes on (it must never die)."""
        while not self._stopping.is_set():
            try:
                wait = self.run_once()
            except Exception:  # a supervisor loop: log, pause, carry on
                logger.exception("inbox relay pass failed")
                wait = self._outage_interval
            self._stopping.wait(wait)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self.run, name="inbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
