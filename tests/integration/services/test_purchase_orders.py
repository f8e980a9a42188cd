from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.adapters.db import tables
from app.adapters.db.unit_of_work import ConcurrentChange
from app.domain.money import Money
from app.domain.orders import DropShipState
from app.domain.purchase_orders import POStatus
from app.errors import Invalid, NotFound
from app.services import tasks
from app.services.orders import change_line_vendor, view_order
from app.services.purchase_orders import (
    cancel_purchase_order,
    create_purchase_orders,
    list_purchase_orders,
    mark_purchase_order_sent,
    send_purchase_order,
)
from app.services.unit_of_work_errors import StaleForm
from tests.fakes import RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

STAFF = "staff@shop.test"


def _create(catalogue, queue=None, send=True, **kwargs):
    return create_purchase_orders(
        catalogue.uow_factory,
        queue or RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=send,
        **kwargs,
    )


def _po_count(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(tables.purchase_orders)
        ).scalar_one()


def test_plan_preselects_the_default_vendor_per_line(catalogue):
    view = view_order(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)

    assert [line.vendor_id for line in view.plan.lines] == [
        catalogue.acme.id,
        catalogue.beta.id,
        None,
    ]


def test_create_and_send_makes_one_po_per_vendor_and_queues_email_sends(catalogue, engine):
    queue = RecordingTaskQueue()

    pos = _create(catalogue, queue)

    assert [(po.number, po.vendor_name, po.status) for po in pos] == [
        ("1042-1", "Acme Supply", POStatus.CREATED),
        ("1042-2", "Beta Parts", POStatus.CREATED),
    ]
    acme, beta = pos
    assert [(line.vendor_sku, line.quantity, line.unit_cost) for line in acme.lines] == [
        ("A-1", 2, Money(Decimal("10.00"), "USD"))
    ]
    assert beta.total == Money(Decimal("30.00"), "USD")
    sends = [kw for task, kw in queue.tasks if task == tasks.SEND_PURCHASE_ORDER]
    assert sends == [
        {
            "installation_id": catalogue.installation_id,
            "po_id": acme.id,
            "revision": 0,
            "actor": STAFF,
        }
    ]
    write_backs = [kw for task, kw in queue.tasks if task == tasks.WRITE_BACK_ORDER]
    assert write_backs == [
        {"installation_id": catalogue.installation_id, "order_id": catalogue.order_id}
    ]
    assert pending_notes(engine, catalogue.order_id) == [
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts)."
    ]
    view = view_order(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)
    assert view.snapshot.state is DropShipState.IN_PROCESS


def test_create_without_send_queues_no_send(catalogue):
    queue = RecordingTaskQueue()

    _create(catalogue, queue, send=False)

    assert [task for task, _ in queue.tasks] == [tasks.WRITE_BACK_ORDER]


def test_second_create_makes_nothing_and_says_why(catalogue, engine):
    _create(catalogue)

    with pytest.raises(Invalid, match="already on a purchase order"):
        _create(catalogue)

    assert _po_count(engine) == 2


def test_the_database_refuses_a_second_open_po_for_the_same_vendor(catalogue, engine):
    first = _create(catalogue)[0]
    with catalogue.uow_factory() as uow:
        duplicate = uow.purchase_orders.get(catalogue.installation_id, first.id)
    duplicate.id, duplicate.number, duplicate.sequence = None, "1042-9", 9

    with pytest.raises(ConcurrentChange), catalogue.uow_factory() as uow:
        uow.purchase_orders.add(catalogue.installation_id, duplicate)
        uow.commit()

    assert _po_count(engine) == 2


def test_cancel_needs_a_reason_and_frees_the_lines_for_a_new_po(catalogue):
    acme = _create(catalogue)[0]
    queue = RecordingTaskQueue()

    with pytest.raises(Invalid):
        cancel_purchase_order(
            catalogue.uow_factory, queue, catalogue.installation_id, acme.id, actor=STAFF, reason=""
        )
    cancel_purchase_order(
        catalogue.uow_factory,
        queue,
        catalogue.installation_id,
        acme.id,
        actor=STAFF,
        reason="Out of stock",
    )
    again = _create(catalogue)

    assert [(po.number, po.vendor_name) for po in again] == [("1042-3", "Acme Supply")]
    statuses = [
        po.status
        for po in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
    ]
    assert statuses == [POStatus.CANCELLED, POStatus.CREATED, POStatus.CREATED]


def test_merchant_changes_a_line_vendor_before_creating(catalogue):
    change_line_vendor(
        catalogue.uow_factory,
        catalogue.installation_id,
        catalogue.order_id,
        catalogue.line_id(0),
        catalogue.beta.id,
    )

    pos = _create(catalogue)

    assert [(po.vendor_name, [line.sku for line in po.lines]) for po in pos] == [
        ("Beta Parts", ["SKU-1", "SKU-2"])
    ]
    assert pos[0].total == Money(Decimal("49.00"), "USD")


def test_merchant_choice_survives_a_refresh_of_the_order(catalogue):
    change_line_vendor(
        catalogue.uow_factory,
        catalogue.installation_id,
        catalogue.order_id,
        catalogue.line_id(0),
        None,
    )

    catalogue.store_order(catalogue.order)

    view = view_order(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)
    assert view.plan.lines[0].vendor_id is None


def test_vendor_that_does_not_ship_the_product_is_refused(catalogue):
    with pytest.raises(Invalid, match="does not ship"):
        change_line_vendor(
            catalogue.uow_factory,
            catalogue.installation_id,
            catalogue.order_id,
            catalogue.line_id(1),
            catalogue.acme.id,
        )


def test_stale_form_changes_nothing(catalogue, engine):
    with pytest.raises(StaleForm):
        _create(catalogue, drawn_at="2020-01-01T00:00:00+00:00")

    assert _po_count(engine) == 0


def test_cancelled_order_gets_no_po(catalogue, engine):
    catalogue.store_order(dict(catalogue.order, status="CANCELED"))

    with pytest.raises(Invalid, match="cancel"):
        _create(catalogue)
    assert _po_count(engine) == 0


def test_manual_vendor_is_marked_sent_not_sent_by_email(catalogue):
    beta = _create(catalogue)[1]
    queue = RecordingTaskQueue()

    with pytest.raises(Invalid, match="by hand"):
        send_purchase_order(
            catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
        )
    sent = mark_purchase_order_sent(
        catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
    )

    assert (sent.status, sent.sent_via, sent.revision) == (POStatus.SENT, "manual", 1)
    assert [(e.actor, e.action) for e in sent.events] == [(STAFF, "created"), (STAFF, "sent")]


def test_a_sent_po_is_not_marked_as_sent_again(catalogue, engine):
    beta = _create(catalogue)[1]
    queue = RecordingTaskQueue()
    mark_purchase_order_sent(
        catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
    )
    notes_before = pending_notes(engine, catalogue.order_id)

    with pytest.raises(Invalid, match="cannot be marked as sent"):
        mark_purchase_order_sent(
            catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
        )

    [stored] = [
        p
        for p in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if p.id == beta.id
    ]
    assert (stored.revision, [e.action for e in stored.events]) == (1, ["created", "sent"])
    assert pending_notes(engine, catalogue.order_id) == notes_before


def test_another_installation_cannot_see_or_touch_the_pos(catalogue, other_shop):
    acme = _create(catalogue)[0]
    queue = RecordingTaskQueue()

    assert list_purchase_orders(catalogue.uow_factory, other_shop, catalogue.order_id) == []
    with pytest.raises(NotFound):
        cancel_purchase_order(
            catalogue.uow_factory, queue, other_shop, acme.id, actor="x", reason="mine"
        )
    with pytest.raises(NotFound):
        create_purchase_orders(
            catalogue.uow_factory, queue, other_shop, catalogue.order_id, actor="x", send=True
        )


def test_a_line_on_an_open_po_keeps_its_vendor(catalogue):
    _create(catalogue)

    with pytest.raises(Invalid, match="on an open purchase order"):
        change_line_vendor(
            catalogue.uow_factory,
            catalogue.installation_id,
            catalogue.order_id,
            catalogue.line_id(0),
            catalogue.beta.id,
        )

    view = view_order(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)
    assert view.plan.lines[0].vendor_id == catalogue.acme.id
