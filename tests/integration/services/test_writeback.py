import json

import pytest

from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.errors import NoOp
from app.services import tasks
from app.services.orders import complete_order
from app.services.ports import SaleorUnavailable
from app.services.purchase_orders import create_purchase_orders
from app.services.saleor_writes.write_back import write_back_order
from app.services.writeback_queue import queue_waiting_write_backs
from tests.conftest import POSTGRES_URL
from tests.fakes import FakeSaleorGateway, RecordingTaskQueue
from tests.integration.services.conftest import CIPHER, pending_notes


def _create(catalogue, queue):
    create_purchase_orders(
        catalogue.uow_factory,
        queue,
        catalogue.installation_id,
        catalogue.order_id,
        actor="m@shop.test",
        send=False,
    )


def test_waiting_notes_go_to_saleor_in_one_call_with_the_summary_and_state(catalogue, engine):
    queue = RecordingTaskQueue()
    _create(catalogue, queue)
    complete_order(
        catalogue.uow_factory,
        queue,
        catalogue.installation_id,
        catalogue.order_id,
        actor="m@shop.test",
        reason="done by phone",
    )
    assert [task for task, _ in queue.tasks] == [tasks.WRITE_BACK_ORDER]
    saleor = FakeSaleorGateway()

    written = write_back_order(
        catalogue.uow_factory,
        saleor,
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        order_id=catalogue.order_id,
    )

    assert written == 2
    [(order_id, note, private, public)] = saleor.write_backs
    assert order_id == catalogue.order_id
    assert note == (
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts).\n"
        "Drop-ship order complete (m@shop.test): done by phone"
    )
    assert json.loads(private["dropship.purchase_orders"]) == [
        {"number": "1042-1", "vendor": "Acme Supply", "status": "created"},
        {"number": "1042-2", "vendor": "Beta Parts", "status": "created"},
    ]
    assert public == {"dropship.state": "Complete"}
    assert pending_notes(engine, catalogue.order_id) == []


def test_notes_go_back_on_the_order_when_saleor_is_down(catalogue, engine):
    _create(catalogue, RecordingTaskQueue())
    saleor = FakeSaleorGateway()
    saleor.write_back_error = SaleorUnavailable("Saleor answered HTTP 502")

    with pytest.raises(SaleorUnavailable):
        write_back_order(
            catalogue.uow_factory,
            saleor,
            RecordingTaskQueue(),
            installation_id=catalogue.installation_id,
            order_id=catalogue.order_id,
        )

    assert pending_notes(engine, catalogue.order_id) == [
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts)."
    ]


def test_nothing_waiting_makes_no_call(catalogue):
    saleor = FakeSaleorGateway()

    with pytest.raises(NoOp):
        write_back_order(
            catalogue.uow_factory,
            saleor,
            RecordingTaskQueue(),
            installation_id=catalogue.installation_id,
            order_id=catalogue.order_id,
        )

    assert saleor.write_backs == []


def test_the_sweep_queues_write_backs_for_notes_a_broker_outage_left_waiting(catalogue, other_shop):
    _create(catalogue, RecordingTaskQueue())  # notes wait; pretend their task was never queued
    queue = RecordingTaskQueue()

    assert queue_waiting_write_backs(catalogue.uow_factory, queue) == 1

    assert queue.tasks == [
        (
            tasks.WRITE_BACK_ORDER,
            {"installation_id": catalogue.installation_id, "order_id": catalogue.order_id},
        )
    ]


def test_the_sweep_skips_removed_installations(catalogue):
    _create(catalogue, RecordingTaskQueue())
    with catalogue.uow_factory() as uow:
        uow.installations.mark_removed(catalogue.installation_id)
        uow.commit()
    queue = RecordingTaskQueue()

    assert queue_waiting_write_backs(catalogue.uow_factory, queue) == 0
    assert queue.tasks == []


def _completed_meanwhile(catalogue, engine):
    """A UoW factory whose first write-back, between reading the order and picking up the
    waiting notes, lets another transaction complete the order (state and note, one commit)."""
    raced = []

    def complete(*_args):
        if not raced:
            raced.append(True)
            complete_order(
                catalogue.uow_factory,
                RecordingTaskQueue(),
                catalogue.installation_id,
                catalogue.order_id,
                actor="m@shop.test",
                reason="done by phone",
            )

    class RacedUnitOfWork(SqlAlchemyUnitOfWork):
        def __enter__(self):
            entered = super().__enter__()
            attach = entered.notes.attach_unsent
            entered.notes.attach_unsent = lambda *args: complete() or attach(*args)
            return entered

    return lambda: RacedUnitOfWork(engine, CIPHER)


@pytest.mark.parametrize(
    "database_url", ["postgresql"] if POSTGRES_URL else [], indirect=True
)  # SQLite has one writer at a time: the race cannot happen there
def test_the_state_written_is_never_older_than_the_notes_it_carries(catalogue, engine):
    # given POs created (state "In Process", a note waiting)
    _create(catalogue, RecordingTaskQueue())
    saleor = FakeSaleorGateway()

    # when the order is completed while the write-back is being prepared
    write_back_order(
        _completed_meanwhile(catalogue, engine),
        saleor,
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        order_id=catalogue.order_id,
    )

    # then the write-back that carries the "complete" note also writes the "Complete" state
    [(_, note, _, public)] = saleor.write_backs
    assert note.endswith("Drop-ship order complete (m@shop.test): done by phone")
    assert public == {"dropship.state": "Complete"}
