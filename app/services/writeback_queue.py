"""Notes for Saleor are insert-only rows; one write-back task carries all those waiting.

Queuing the write-back is best effort: the note is stored in the same transaction as the
change, and a periodic sweep queues write-backs for any order whose notes still wait (the broker
was down, or a worker died holding the write-back).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from app.domain.installations import InstallationId
from app.errors import Retryable
from app.services import tasks
from app.services.ports import TaskQueue
from app.services.sweeps import queue_backed_up
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)

# a write-back whose retry or claim is older than this was lost with its task
SWEEP_GRACE = timedelta(minutes=15)


def _enqueue(queue: TaskQueue, installation_id: InstallationId, order_id: str) -> None:
    try:
        queue.enqueue(tasks.WRITE_BACK_ORDER, installation_id=installation_id, order_id=order_id)
    except Retryable as error:
        logger.warning("write-back for %s not queued (%s); the sweep will", order_id, error.message)


def queue_write_back(
    uow: UnitOfWork, queue: TaskQueue, installation_id: InstallationId, order_id: str, note: str
) -> None:
    """Insert ``note`` for Saleor; the first one waiting queues a write-back (after the commit).
    A write-back already queued carries this note too; one in flight queues the next when done."""
    first = not uow.notes.unsent(installation_id, order_id)
    uow.notes.add(installation_id, order_id, note, datetime.now(UTC))
    if first:
        uow.after_commit(lambda: _enqueue(queue, installation_id, order_id))


def queue_write_back_after_commit(
    uow: UnitOfWork, queue: TaskQueue, installation_id: InstallationId, order_id: str
) -> None:
    uow.after_commit(lambda: _enqueue(queue, installation_id, order_id))


def queue_waiting_write_backs(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> int:
    """The sweep: queue a write-back for every order, of every shop, with notes waiting
    (none while the queue is backed up: ``app.services.sweeps``)."""
    if queue_backed_up(queue, "the write-back sweep"):
        return 0
    with uow_factory() as uow:
        waiting = uow.notes.orders_waiting(datetime.now(UTC), SWEEP_GRACE)
    for installation_id, order_id in waiting:
        _enqueue(queue, installation_id, order_id)
    return len(waiting)
