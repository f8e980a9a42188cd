"""A PO send or a shipment whose task is gone (stored while the broker was down, or claimed by a
worker that died) is queued again by the sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.adapters.carriers import TrackingNumberCarriers
from app.services import tasks
from app.services.dispatch import send_key
from app.services.lost_writes import SWEEP_ACTOR, queue_lost_writes
from app.services.outbound import CLAIM_STALE_AFTER, fulfil_key
from app.services.purchase_orders import create_purchase_orders
from app.services.shipments import record_shipment
from app.services.sweeps import SWEEP_WHEN_FEWER_WAITING_THAN
from app.services.writeback_queue import queue_waiting_write_backs
from tests.fakes import BrokenTaskQueue, RecordingTaskQueue


def _later():
    """Six minutes from now: past the sweep's five."""
    return datetime.now(UTC) + timedelta(minutes=6)


def _create_and_send(catalogue):
    """Create POs with "send": the queue records the send task, as a broker that lost it."""
    return create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="m@shop.test",
        send=True,
    )


def _ship_one_line(catalogue, po):
    """A shipment recorded with its write's task recorded (not run): as a broker that lost it."""
    return record_shipment(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        TrackingNumberCarriers(),
        catalogue.installation_id,
        po.id,
        quantities={catalogue.line_id(1): 1},
        tracking="1Z999AA10123456784",
        actor="m@shop.test",
    )


def test_a_send_whose_task_was_lost_is_queued_again_after_five_minutes(catalogue, other_shop):
    acme_po, _manual_po = _create_and_send(catalogue)
    queue = RecordingTaskQueue()

    assert queue_lost_writes(catalogue.uow_factory, queue, now=datetime.now(UTC)) == 0
    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 1

    assert queue.tasks == [
        (
            tasks.SEND_PURCHASE_ORDER,
            {
                "installation_id": catalogue.installation_id,
                "po_id": acme_po.id,
                "revision": acme_po.revision,
                "actor": SWEEP_ACTOR,
            },
        )
    ]


def test_a_shipment_whose_write_was_never_queued_is_queued_again(catalogue):
    _, manual_po = _create_and_send(catalogue)
    shipment = _ship_one_line(catalogue, manual_po)
    queue = RecordingTaskQueue()

    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 2  # and Acme's send

    assert (
        tasks.WRITE_FULFILMENT,
        {"installation_id": catalogue.installation_id, "shipment_id": shipment.id},
    ) in queue.tasks


def test_the_sweep_skips_removed_installations(catalogue):
    _create_and_send(catalogue)
    with catalogue.uow_factory() as uow:
        uow.installations.mark_removed(catalogue.installation_id)
        uow.commit()
    queue = RecordingTaskQueue()

    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 0
    assert queue.tasks == []


def _claim_as_a_worker_that_dies(catalogue, key, claimed_at):
    """A worker takes the write's claim at ``claimed_at`` and is killed before it finishes."""
    with catalogue.uow_factory() as uow:
        assert uow.outbound.claim(
            catalogue.installation_id, key, "dead-worker", claimed_at, CLAIM_STALE_AFTER
        )
        uow.commit()


def test_a_send_claimed_by_a_worker_that_died_is_queued_again_once_the_claim_is_stale(catalogue):
    acme_po, _ = _create_and_send(catalogue)
    claimed_at = datetime.now(UTC)
    _claim_as_a_worker_that_dies(
        catalogue, send_key(catalogue.installation_id, acme_po), claimed_at
    )
    queue = RecordingTaskQueue()

    # in flight under a fresh claim: its worker may still be sending it
    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 0
    stale = claimed_at + CLAIM_STALE_AFTER + timedelta(seconds=1)
    assert queue_lost_writes(catalogue.uow_factory, queue, now=stale) == 1
    assert [task for task, _ in queue.tasks] == [tasks.SEND_PURCHASE_ORDER]


def test_a_fulfilment_write_claimed_by_a_worker_that_died_is_queued_again(catalogue):
    _, manual_po = _create_and_send(catalogue)
    shipment = _ship_one_line(catalogue, manual_po)
    claimed_at = datetime.now(UTC)
    _claim_as_a_worker_that_dies(catalogue, fulfil_key(shipment.id), claimed_at)
    queue = RecordingTaskQueue()
    fulfil_task = (
        tasks.WRITE_FULFILMENT,
        {"installation_id": catalogue.installation_id, "shipment_id": shipment.id},
    )

    queue_lost_writes(catalogue.uow_factory, queue, now=_later())
    assert fulfil_task not in queue.tasks
    queue_lost_writes(
        catalogue.uow_factory, queue, now=claimed_at + CLAIM_STALE_AFTER + timedelta(seconds=1)
    )
    assert fulfil_task in queue.tasks


def test_creating_and_sending_while_the_broker_is_down_answers_and_the_sweep_sends(catalogue):
    acme_po, manual_po = create_purchase_orders(
        catalogue.uow_factory,
        BrokenTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="m@shop.test",
        send=True,
    )  # no error: the POs and the send are committed, the task waits for the sweep
    queue = RecordingTaskQueue()

    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 1
    assert queue.tasks[0][1]["po_id"] == acme_po.id


def test_the_sweeps_wait_while_the_queue_is_backed_up_and_find_lost_work_once_it_drains(catalogue):
    """A long queue is work delayed, not lost: queuing copies into it would only lengthen it."""
    acme_po, _manual_po = _create_and_send(catalogue)  # its send task and write-back were lost
    queue = RecordingTaskQueue()
    queue.backlog = SWEEP_WHEN_FEWER_WAITING_THAN

    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 0
    assert queue_waiting_write_backs(catalogue.uow_factory, queue) == 0
    assert queue.tasks == []

    queue.backlog = SWEEP_WHEN_FEWER_WAITING_THAN - 1  # drained
    assert queue_lost_writes(catalogue.uow_factory, queue, now=_later()) == 1
    assert queue_waiting_write_backs(catalogue.uow_factory, queue) == 1
    assert [name for name, _ in queue.tasks] == [tasks.SEND_PURCHASE_ORDER, tasks.WRITE_BACK_ORDER]
    assert queue.tasks[0][1]["po_id"] == acme_po.id
