"""The sweep for PO sends and fulfilment writes (and tracking corrections, cancellations) whose
task was lost.

A send or a shipment is stored first and its task queued after the commit. When the broker is
down at that moment (or a retry cannot be published) the row waits with no task to carry it:
the merchant saw an error, yet the PO says "Created" and the shipment "pending" for ever. A
worker killed while it holds a claim leaves the row "in flight": the broker redelivers its task
after the visibility timeout, but that can come before the claim is stale, find it held and end.
Every minute (beat) the tasks of such rows (pending past five minutes, or claimed longer ago than
the staleness window) are queued again; the task's claim (ADR 6) makes a copy of a task that was
not lost after all a no-op, and a stale claim is taken over.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from app.domain.outbound import Channel
from app.errors import Retryable
from app.services import tasks
from app.services.outbound import CLAIM_STALE_AFTER
from app.services.ports import TaskQueue
from app.services.sweeps import queue_backed_up
from app.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)

# longer than a queued task takes to start under load; shorter than a merchant's patience
LOST_AFTER = timedelta(minutes=5)
SWEEP_ACTOR = "Drop-ship (queued again after an outage)"
_CHANGE_TASKS = {
    Channel.SALEOR_TRACKING: tasks.UPDATE_TRACKING,
    Channel.SALEOR_CANCEL_FULFILMENT: tasks.CANCEL_SHIPMENT,
}


def queue_lost_writes(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, now: datetime | None = None
) -> int:
    """Queue again every PO send and Saleor fulfilment write or change waiting without a task;
    returns how many (none while the queue is backed up: ``app.services.sweeps``)."""
    now = now or datetime.now(UTC)
    if queue_backed_up(queue, "the lost-writes sweep"):
        return 0
    with uow_factory() as uow:
        sends = []
        for installation_id, subject_id in uow.outbound.lost_sends(
            now, LOST_AFTER, CLAIM_STALE_AFTER
        ):
            po = uow.purchase_orders.get(installation_id, int(subject_id))
            if po is not None and po.id is not None:
                sends.append((installation_id, po.id, po.revision))
        shipments = uow.shipments.lost_writes(now, LOST_AFTER, CLAIM_STALE_AFTER)
        changes = uow.outbound.lost_saleor_changes(now, LOST_AFTER, CLAIM_STALE_AFTER)
    try:
        for installation_id, po_id, revision in sends:
            queue.enqueue(
                tasks.SEND_PURCHASE_ORDER,
                installation_id=installation_id,
                po_id=po_id,
                revision=revision,
                actor=SWEEP_ACTOR,
            )
        for installation_id, shipment_id in shipments:
            queue.enqueue(
                tasks.WRITE_FULFILMENT, installation_id=installation_id, shipment_id=shipment_id
            )
        for installation_id, channel, shipment in changes:
            queue.enqueue(
                _CHANGE_TASKS[channel], installation_id=installation_id, shipment_id=int(shipment)
            )
    except Retryable as error:
        logger.warning("lost writes not queued (%s); the next sweep will", error.message)
    return len(sends) + len(shipments) + len(changes)
