"""Notes for Saleor wait on the order until the next write-back: many changes, one Saleor call.

Queuing the write-back is best effort: the notes are stored with the order in the same
transaction as the change, and a periodic sweep queues write-backs for any order whose notes
still wait (for example because the broker was down at that moment).
"""

from __future__ import annotations

import logging

from app.domain.installations import InstallationId
from app.errors import Retryable
from app.services import tasks
from app.services.ports import TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


def _enqueue(queue: TaskQueue, installation_id: InstallationId, order_id: str) -> None:
    try:
        queue.enqueue(tasks.WRITE_BACK_ORDER, installation_id=installation_id, order_id=order_id)
    except Retryable as error:
        logger.warning("write-back for %s not queued (%s); the sweep will", order_id, error.message)


def queue_write_back(
    uow: UnitOfWork, queue: TaskQueue, installation_id: InstallationId, order_id: str, note: str
) -> None:
    """Add ``note`` to the order's waiting notes; the first one waiting queues a write-back
    (after the commit). A write-back already queued will carry this note too."""
    if uow.orders.add_pending_note(installation_id, order_id, note):
        uow.after_commit(lambda: _enqueue(queue, installation_id, order_id))


def queue_waiting_write_backs(uow_factory: UnitOfWorkFactory, queue: TaskQueue) -> int:
    """The sweep: queue a write-back for every order, of every shop, with notes waiting."""
    with uow_factory() as uow:
        waiting = uow.orders.with_pending_notes()
    for installation_id, order_id in waiting:
        _enqueue(queue, installation_id, order_id)
    return len(waiting)
