"""A PO send or a shipment stored while the broker was down has no task: the sweep queues it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.adapters.carriers import TrackingNumberCarriers
from app.services import tasks
from app.services.lost_writes import SWEEP_ACTOR, queue_lost_writes
from app.services.purchase_orders import create_purchase_orders
from app.services.shipments import record_shipment
from tests.fakes import RecordingTaskQueue


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
    shipment = record_shipment(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        TrackingNumberCarriers(),
        catalogue.installation_id,
        manual_po.id,
        quantities={catalogue.line_id(1): 1},
        tracking="1Z999AA10123456784",
        actor="m@shop.test",
    )
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
