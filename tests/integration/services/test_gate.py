"""The gate to vendors in "Create PO(s)": an order whose risk review is not approved or that is
not charged is refused with its reasons and nothing written, unless the merchant goes ahead on
purpose with a reason, kept in each PO's history and the order's note for Saleor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from app.adapters.db import tables
from app.adapters.saleor.parsing import parse_order
from app.domain.gate import HoldCode, OrderOnHold
from app.domain.risk.facts import PastOrder
from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import Assessment, RiskSettings, Verdict
from app.services import tasks
from app.services.forms import FormInvalid
from app.services.purchase_orders import create_purchase_orders, hold_reasons
from tests.fakes import RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

STAFF = "staff@shop.test"
WHY = "Regular customer, pays by invoice"


def _as_it_arrives(catalogue, engine, review_score: int | None = None) -> None:
    """The catalogue's order authorised, not charged; its review open (or none at all)."""
    order = {**catalogue.order, "isPaid": False, "chargeStatus": "NONE"}
    with engine.begin() as connection:
        connection.execute(delete(tables.risk_reviews))
    with catalogue.uow_factory() as uow:
        uow.orders.save(catalogue.installation_id, parse_order(order))
        if review_score is not None:
            assessment = Assessment(review_score, Verdict.REVIEW, (), RiskSettings())
            review = RiskReview.of(catalogue.order_id, "1042", assessment, datetime.now(UTC))
            past = PastOrder(catalogue.order_id, None, "", "", "", (), None, "")
            uow.risk_reviews.save(catalogue.installation_id, review, past)
        uow.commit()


def _create(catalogue, queue, **kwargs):
    return create_purchase_orders(
        catalogue.uow_factory,
        queue,
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=True,
        **kwargs,
    )


def _po_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(tables.purchase_orders)
        ).scalar_one()


def test_an_unreviewed_unpaid_order_is_refused_with_its_reasons_and_nothing_written(
    catalogue, engine
):
    _as_it_arrives(catalogue, engine)
    queue = RecordingTaskQueue()

    with pytest.raises(OrderOnHold) as refused:
        _create(catalogue, queue)

    assert [(r.code, r.text) for r in refused.value.reasons] == [
        (HoldCode.NOT_REVIEWED, "risk review not done (not reviewed yet)"),
        (HoldCode.NOT_CHARGED, "not charged: $195.00 authorised, not captured"),
    ]
    assert _po_count(engine) == 0
    assert queue.tasks == []
    assert pending_notes(engine, catalogue.order_id) == []


def test_going_ahead_on_purpose_records_who_when_and_why(catalogue, engine):
    _as_it_arrives(catalogue, engine, review_score=55)
    queue = RecordingTaskQueue()
    before = datetime.now(UTC)

    acme, beta = _create(catalogue, queue, go_ahead_reason=f"  {WHY} ")

    held = (
        "risk review not done (verdict: review, score 55); "
        "not charged: $195.00 authorised, not captured"
    )
    expected = f"{STAFF} went ahead on purpose although {held}. Reason: {WHY}"
    for po in (acme, beta):
        [created, go_ahead] = po.events
        assert (created.action, go_ahead.actor, go_ahead.action, go_ahead.detail) == (
            "created",
            STAFF,
            "gate overridden",
            expected,
        )
        assert go_ahead.at >= before
    assert pending_notes(engine, catalogue.order_id) == [
        f"Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts). {expected}"
    ]
    assert [task for task, _ in queue.tasks] == [
        tasks.WRITE_BACK_ORDER,
        tasks.SEND_PURCHASE_ORDER,
    ]


def test_an_approved_and_paid_order_passes_with_no_question(catalogue, engine):
    queue = RecordingTaskQueue()

    assert hold_reasons(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id) == ()
    acme, _ = _create(catalogue, queue, go_ahead_reason="not needed")

    assert [e.action for e in acme.events] == ["created"]  # nothing was overridden
    assert pending_notes(engine, catalogue.order_id) == [
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts)."
    ]


def test_an_open_review_of_a_paid_order_holds_it_for_the_review_alone(catalogue, engine):
    _as_it_arrives(catalogue, engine, review_score=55)
    with catalogue.uow_factory() as uow:
        uow.orders.save(catalogue.installation_id, parse_order(catalogue.order))  # paid
        uow.commit()

    reasons = hold_reasons(catalogue.uow_factory, catalogue.installation_id, catalogue.order_id)

    assert [r.text for r in reasons] == ["risk review not done (verdict: review, score 55)"]


def test_another_shop_sees_no_reasons(catalogue, engine, other_shop):
    _as_it_arrives(catalogue, engine)

    assert hold_reasons(catalogue.uow_factory, other_shop, catalogue.order_id) == ()


def test_a_reason_with_control_characters_is_refused(catalogue, engine):
    _as_it_arrives(catalogue, engine)

    with pytest.raises(FormInvalid):
        _create(catalogue, RecordingTaskQueue(), go_ahead_reason="ok\x00")

    assert _po_count(engine) == 0
