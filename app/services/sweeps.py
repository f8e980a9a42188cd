"""When the sweeps for lost work may run.

A sweep cannot tell lost work from work still waiting in a long queue: both are rows pending past
the sweep's window. Queuing every such row again each minute during a backlog longer than the
window adds a copy of each waiting task per minute; each copy is a no-op when it finally runs,
but it lengthens the queue it waits in, and a backlog can feed itself (seen in the fault soak:
3,000 tasks waiting, half of the worker's runs no-ops). So a sweep runs only while the broker's
queue is short; lost work is then found as soon as the backlog has drained, and nothing is lost.
"""

from __future__ import annotations

import logging

from app.services.ports import TaskQueue

logger = logging.getLogger(__name__)

# A queue this short starts every task within seconds: what is pending past a sweep's window
# (minutes) was lost, not delayed.
SWEEP_WHEN_FEWER_WAITING_THAN = 200


def queue_backed_up(
    queue: TaskQueue, sweep: str, limit: int = SWEEP_WHEN_FEWER_WAITING_THAN
) -> bool:
    """True (and logged) when ``limit`` or more tasks wait: the sweep should wait too."""
    waiting = queue.waiting()
    if waiting is None or waiting < limit:
        return False
    logger.info(
        "%s deferred: %s tasks wait in the queue; lost work is looked for once it drains",
        sweep,
        waiting,
    )
    return True
