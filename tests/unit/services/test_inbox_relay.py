"""The inbox relay: waiting deliveries go to the worker in batches, once, and again after an
outage or a lost hand-over."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.task_queue import QueueUnavailable
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.inbox_relay import REHAND_AFTER, InboxRelay, relay_received_deliveries
from tests.fakes import BrokenTaskQueue, FakeUnitOfWork, RecordingTaskQueue

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _record(uow, count, first=0):
    return [
        uow.deliveries.add(1, WebhookEvent.ORDER_CREATED, f"sha-{n}", json.dumps({"n": n}))[0]
        for n in range(first, first + count)
    ]


def test_waiting_deliveries_are_handed_over_in_batches_oldest_first():
    uow = FakeUnitOfWork()
    ids = _record(uow, 5)
    queue = RecordingTaskQueue()

    handed = [relay_received_deliveries(uow, queue, batch_size=2, now=NOW) for _ in range(4)]

    assert handed == [2, 2, 1, 0]
    assert queue.deliveries == ids
    assert {row.queued_at for row in uow.deliveries.rows.values()} == {NOW}


def test_a_handed_delivery_is_handed_again_only_when_still_received_after_the_window():
    uow = FakeUnitOfWork()
    lost, done = _record(uow, 2)
    queue = RecordingTaskQueue()
    relay_received_deliveries(uow, queue, now=NOW)
    uow.deliveries.set_status(done, DeliveryStatus.PROCESSED)

    inside = relay_received_deliveries(uow, queue, now=NOW + REHAND_AFTER)
    after = relay_received_deliveries(uow, queue, now=NOW + REHAND_AFTER + timedelta(seconds=1))

    assert (inside, after) == (0, 1)
    assert queue.deliveries == [lost, done, lost]


def test_a_refused_hand_over_releases_the_claim_for_the_next_pass():
    uow = FakeUnitOfWork()
    ids = _record(uow, 3)

    with pytest.raises(QueueUnavailable):
        relay_received_deliveries(uow, BrokenTaskQueue(), now=NOW)

    assert [row.queued_at for row in uow.deliveries.rows.values()] == [None, None, None]
    queue = RecordingTaskQueue()
    assert relay_received_deliveries(uow, queue, now=NOW + timedelta(seconds=1)) == 3
    assert queue.deliveries == ids


class SwitchableQueue(RecordingTaskQueue):
    """A broker that is down until ``up`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.up = False

    def enqueue_deliveries(self, delivery_ids):
        if not self.up:
            raise QueueUnavailable("The task queue is unavailable: connection refused")
        super().enqueue_deliveries(delivery_ids)


def test_the_relay_pauses_during_an_outage_and_hands_everything_over_after_it():
    uow = FakeUnitOfWork()
    ids = _record(uow, 7)
    queue = SwitchableQueue()
    relay = InboxRelay(uow, queue, batch_size=3, idle_interval=0.01, outage_interval=0.5)

    assert relay.run_once() == 0.5
    assert relay.outage == "The task queue is unavailable: connection refused"
    queue.up = True

    assert relay.run_once() == 0.01
    assert (relay.outage, relay.handed_over, queue.deliveries) == (None, 7, ids)


def test_the_relay_thread_keeps_handing_over_new_deliveries_until_stopped():
    uow = FakeUnitOfWork()
    queue = RecordingTaskQueue()
    relay = InboxRelay(uow, queue, idle_interval=0.01)
    relay.start()
    try:
        first = _record(uow, 1)
        _wait_for(lambda: queue.deliveries == first)
        second = _record(uow, 2, first=1)
        _wait_for(lambda: queue.deliveries == first + second)
    finally:
        relay.stop()
    [late] = _record(uow, 1, first=3)
    time.sleep(0.05)

    assert queue.deliveries == first + second
    assert uow.deliveries.get(late).queued_at is None


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the relay thread did not hand the delivery over"
        time.sleep(0.005)
