"""The vendor's answer stored per line, noted on the Saleor order once, isolated per shop; and
the rate limiter's shared counters (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.adapters.db.rate_limits import SqlRateLimiter
from app.domain.errors import DomainValidationError, RuleViolation
from app.domain.purchase_orders import POStatus
from app.domain.vendor_answers import LineAnswer
from app.errors import NotFound
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from app.services.vendor_answers import answer_purchase_order
from tests.fakes import RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

STAFF = "staff@shop.test"
TODAY = date(2026, 12, 1)


def _sent_acme_po(catalogue):
    create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=False,
    )
    [acme] = [
        po
        for po in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if po.vendor_name == "Acme Supply"
    ]
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(catalogue.installation_id, acme.id)
        po.mark_sent(actor=STAFF, at=datetime.now(UTC), via="email")
        uow.purchase_orders.save(catalogue.installation_id, po)
        uow.commit()
    return acme


def _answer(catalogue, po_id, lines, installation_id=None):
    return answer_purchase_order(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        installation_id or catalogue.installation_id,
        po_id,
        lines,
        actor="vendor:ACME",
        today=TODAY,
    )


def _stored(catalogue, po_id):
    with catalogue.uow_factory() as uow:
        return uow.purchase_orders.get(catalogue.installation_id, po_id)


def test_an_answer_is_stored_per_line_and_noted_on_the_order_once(catalogue, engine):
    po = _sent_acme_po(catalogue)
    line = po.lines[0].order_line_id
    backorder = {line: {"answer": "backordered", "expected_date": "2026-12-20"}}

    _answer(catalogue, po.id, backorder)
    _answer(catalogue, po.id, backorder)  # the vendor's retry

    stored = _stored(catalogue, po.id)
    assert stored.status is POStatus.ACKNOWLEDGED
    assert stored.line_answers[line].answer is LineAnswer.BACKORDERED
    assert stored.line_answers[line].expected_date == date(2026, 12, 20)
    assert [e.action for e in stored.events].count("acknowledged by vendor") == 1
    notes = [n for n in pending_notes(engine, catalogue.order_id) if "answered by" in n]
    assert notes == [
        f"PO {po.number} (Acme Supply) answered by the vendor: SKU-1 backordered until 2026-12-20."
    ]


def test_a_changed_answer_replaces_the_stored_one(catalogue):
    po = _sent_acme_po(catalogue)
    line = po.lines[0].order_line_id
    _answer(catalogue, po.id, {line: {"answer": "backordered", "expected_date": "2026-12-20"}})
    _answer(catalogue, po.id, {line: {"answer": "cancelled", "reason": "discontinued"}})

    stored = _stored(catalogue, po.id)
    assert stored.line_answers[line].answer is LineAnswer.CANCELLED
    assert stored.line_answers[line].reason == "discontinued"
    assert stored.events[-1].action == "answered by vendor"


def test_bad_input_and_a_po_not_sent_change_nothing(catalogue, engine):
    po = _sent_acme_po(catalogue)
    with pytest.raises(DomainValidationError):
        _answer(catalogue, po.id, {po.lines[0].order_line_id: {"answer": "cancelled"}})
    assert _stored(catalogue, po.id).status is POStatus.SENT

    [beta] = [
        p
        for p in list_purchase_orders(
            catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
        )
        if p.vendor_name == "Beta Parts"
    ]
    with pytest.raises(RuleViolation):
        _answer(catalogue, beta.id, {})
    assert _stored(catalogue, beta.id).line_answers == {}
    assert not [n for n in pending_notes(engine, catalogue.order_id) if "answered by" in n]


def test_another_shops_po_is_not_found(catalogue, other_shop):
    po = _sent_acme_po(catalogue)
    with pytest.raises(NotFound):
        _answer(catalogue, po.id, {}, installation_id=other_shop)
    assert _stored(catalogue, po.id).status is POStatus.SENT


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_rate_limiter_counts_per_key_and_window_and_forgets_old_windows(engine):
    clock = _Clock(1_000_000.0)
    limiter = SqlRateLimiter(engine, clock)
    other_process = SqlRateLimiter(engine, clock)  # a second gunicorn process, same counts

    allowed = [limiter.allow("portal:a", 3, 60) for _ in range(2)]
    allowed += [other_process.allow("portal:a", 3, 60) for _ in range(2)]
    assert allowed == [True, True, True, False]
    assert limiter.allow("portal:b", 3, 60)  # another key has its own count

    clock.now += 60  # the next window
    assert limiter.allow("portal:a", 3, 60)
    clock.now += 3600
    assert limiter.prune(older_than_seconds=600) == 3
    assert limiter.allow("portal:a", 1, 60)
