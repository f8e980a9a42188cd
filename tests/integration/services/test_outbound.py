"""Outbound writes on a real database: notes are never lost, sends survive a dead worker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.adapters.db import tables
from app.adapters.task_queue import build_celery
from app.bootstrap import purchase_order_channels
from app.domain.outbound import OutboundStatus, Subject
from app.domain.purchase_orders import POStatus
from app.errors import ErrorCode, Invalid
from app.services import tasks
from app.services.dispatch import SendOutcome, dispatch_purchase_order, record_send, send_key
from app.services.outbound import (
    CLAIM_STALE_AFTER,
    PO_SEND_POLICY,
    SALEOR_WRITE_POLICY,
    claim_outbound,
    latest_outbound,
    outbound_failed,
    record_outbound,
)
from app.services.ports import MailUnavailable, SaleorMutationFailed
from app.services.purchase_orders import create_purchase_orders, send_purchase_order
from app.services.saleor_writes.write_back import WRITE_BACK_KEY, write_back_order
from app.services.writeback_queue import queue_waiting_write_backs, queue_write_back
from tests.fakes import FakeDocuments, FakeMailer, FakeSaleorGateway, RecordingTaskQueue
from tests.integration.services.conftest import pending_notes
from tests.integration.services.test_dispatch import DEFAULTS


def _create(catalogue, send=False):
    return create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor="m@shop.test",
        send=send,
    )


def _write_back(catalogue, saleor, token="wb-task"):
    return write_back_order(
        catalogue.uow_factory,
        saleor,
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        order_id=catalogue.order_id,
        claim_token=token,
    )


def _age_claims(engine, by=timedelta(hours=1)):
    """What a worker killed with SIGKILL leaves: a claim nobody will release."""
    attempts = tables.outbound_attempts
    with engine.begin() as connection:
        connection.execute(update(attempts).values(claimed_at=datetime.now(UTC) - by))


# --- notes ------------------------------------------------------------------------------------


def test_two_workers_adding_notes_to_one_order_at_once_keep_both(catalogue, engine):
    _create(catalogue)
    before = pending_notes(engine, catalogue.order_id)
    first = catalogue.uow_factory().__enter__()
    queue_write_back(
        first, RecordingTaskQueue(), catalogue.installation_id, catalogue.order_id, "A"
    )

    def second_worker():
        with catalogue.uow_factory() as uow:
            queue_write_back(
                uow, RecordingTaskQueue(), catalogue.installation_id, catalogue.order_id, "B"
            )
            uow.commit()

    other = threading.Thread(target=second_worker)
    other.start()
    other.join(timeout=0.5)  # with a read-modify-write of one row, B waits on A's lock here
    first.commit()
    first.__exit__(None, None, None)
    other.join(timeout=10)

    assert sorted(pending_notes(engine, catalogue.order_id)) == sorted([*before, "A", "B"])


def test_notes_saleor_refuses_are_kept_and_shown(catalogue, engine):
    _create(catalogue)
    saleor = FakeSaleorGateway()
    saleor.write_back_error = SaleorMutationFailed("Saleor refused: order not found", errors=())

    with pytest.raises(SaleorMutationFailed):
        _write_back(catalogue, saleor)

    assert pending_notes(engine, catalogue.order_id) == [
        "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts)."
    ]
    with catalogue.uow_factory() as uow:
        [attempt] = latest_outbound(
            uow, catalogue.installation_id, Subject.ORDER, [catalogue.order_id]
        ).values()
    assert (attempt.status, attempt.attempts, attempt.last_error) == (
        OutboundStatus.FAILED,
        1,
        "Saleor refused: order not found",
    )


class WorkerKilled(BaseException):
    """The worker process dies in the middle of the Saleor call."""


def test_notes_of_a_worker_killed_mid_write_back_are_swept_and_written_once(catalogue, engine):
    _create(catalogue)
    saleor = FakeSaleorGateway()
    saleor.write_back_error = WorkerKilled()
    with pytest.raises(WorkerKilled):
        _write_back(catalogue, saleor, token="dead-task")
    assert pending_notes(engine, catalogue.order_id) != []  # not taken away before Saleor
    _age_claims(engine)
    saleor.write_back_error = None
    sweep = RecordingTaskQueue()

    assert queue_waiting_write_backs(catalogue.uow_factory, sweep) == 1
    assert _write_back(catalogue, saleor, token="new-task") == 1

    [(_, note, private, _)] = saleor.write_backs
    assert note == "Drop-ship PO(s) created: 1042-1 (Acme Supply), 1042-2 (Beta Parts)."
    assert private[WRITE_BACK_KEY].startswith("wb-")
    assert pending_notes(engine, catalogue.order_id) == []
    assert sweep.tasks[0][0] == tasks.WRITE_BACK_ORDER


def test_a_write_back_in_flight_is_not_sent_by_a_second_task(catalogue):
    _create(catalogue)
    saleor = FakeSaleorGateway()
    saleor.write_back_error = WorkerKilled()
    with pytest.raises(WorkerKilled):
        _write_back(catalogue, saleor, token="first")
    saleor.write_back_error = None

    with pytest.raises(Exception, match="in flight"):
        _write_back(catalogue, saleor, token="second")

    assert saleor.write_backs == []


# --- PO sends after a crash -------------------------------------------------------------------


def _dispatch(catalogue, po, mailer, token):
    return dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, FakeDocuments(), DEFAULTS),
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=po.id,
        revision=0,
        actor="staff@shop.test",
        claim_token=token,
        final_attempt=False,
    )


def _claim_by_dead_worker(catalogue, po):
    with catalogue.uow_factory() as uow:
        stored = uow.purchase_orders.get(catalogue.installation_id, po.id)
        record_send(uow, catalogue.installation_id, stored, "email")
        key = send_key(catalogue.installation_id, stored)
        assert claim_outbound(uow, catalogue.installation_id, key, "dead-task", PO_SEND_POLICY)
        uow.commit()


def test_resend_while_a_send_is_in_flight_says_so_and_queues_nothing(catalogue):
    acme_po = _create(catalogue)[0]
    _claim_by_dead_worker(catalogue, acme_po)
    queue = RecordingTaskQueue()

    with pytest.raises(Invalid, match=r"being sent now \(attempt 1 of 6, since ") as refused:
        send_purchase_order(
            catalogue.uow_factory, queue, catalogue.installation_id, acme_po.id, actor="m"
        )

    assert refused.value.code is ErrorCode.CONFLICT
    assert queue.tasks == []


def test_a_send_retried_after_a_crash_has_the_same_message_id_and_both_attempts(catalogue, engine):
    acme_po = _create(catalogue)[0]
    mailer = FakeMailer()
    mailer.fail_with = WorkerKilled()  # kill -9 while the SMTP conversation runs
    with pytest.raises(WorkerKilled):
        _dispatch(catalogue, acme_po, mailer, token="dead-task")
    mailer.fail_with = None
    with pytest.raises(Exception, match="being sent by another task"):
        _dispatch(catalogue, acme_po, mailer, token="other-task")  # the claim is still fresh
    _age_claims(engine, by=CLAIM_STALE_AFTER + timedelta(seconds=1))

    assert _dispatch(catalogue, acme_po, mailer, token="dead-task") is SendOutcome.SENT

    [(email, _)] = mailer.sent
    assert email.message_id == f"<po-{catalogue.installation_id}-{acme_po.id}-r1@dropship.test>"
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get(catalogue.installation_id, acme_po.id)
        attempt = uow.outbound.get_by_key(
            catalogue.installation_id, send_key(catalogue.installation_id, acme_po)
        )
    assert po.status is POStatus.SENT
    assert [(e.action, e.detail) for e in po.events[1:]] == [
        ("sending", "attempt 1 of 6"),
        ("sending", "attempt 2 of 6"),
        ("sent", "by email"),
    ]
    assert (attempt.status, attempt.attempts) == (OutboundStatus.SENT, 2)


def test_an_outage_shows_the_attempt_the_error_and_the_next_try(catalogue):
    acme_po = _create(catalogue)[0]
    mailer = FakeMailer()
    mailer.fail_with = MailUnavailable("Could not reach the SMTP server: connection refused.")
    started = datetime.now(UTC)

    with pytest.raises(MailUnavailable):
        _dispatch(catalogue, acme_po, mailer, token="t1")

    with catalogue.uow_factory() as uow:
        attempt = uow.outbound.get_by_key(
            catalogue.installation_id, send_key(catalogue.installation_id, acme_po)
        )
    assert (attempt.status, attempt.attempts, attempt.max_attempts, attempt.last_error) == (
        OutboundStatus.PENDING,
        1,
        6,
        "Could not reach the SMTP server: connection refused.",
    )
    delay = attempt.retry_at - started
    assert timedelta(seconds=29) <= delay <= timedelta(seconds=35)


def test_the_broker_gives_a_lost_task_back_when_its_claim_is_stale():
    celery = build_celery("redis://127.0.0.1:6379/15")

    options = celery.conf.broker_transport_options
    assert options["visibility_timeout"] == CLAIM_STALE_AFTER.total_seconds()
    longest_countdown = max(PO_SEND_POLICY.cap_seconds, SALEOR_WRITE_POLICY.cap_seconds)
    assert options["visibility_timeout"] > longest_countdown


def _record(uow, installation_id, key, **reopen):
    return record_outbound(
        uow,
        installation_id,
        subject=Subject.SHIPMENT,
        subject_id=7,
        channel="saleor_fulfil",
        key=key,
        policy=SALEOR_WRITE_POLICY,
        **reopen,
    )


def test_recording_a_finished_write_again_reopens_it_only_when_asked(catalogue):
    installation_id = catalogue.installation_id
    with catalogue.uow_factory() as uow:
        first = _record(uow, installation_id, "fulfil-7")
        assert _record(uow, installation_id, "fulfil-7").id == first.id  # once per key
        claim_outbound(uow, installation_id, "fulfil-7", "task-1", SALEOR_WRITE_POLICY)
        outbound_failed(uow, installation_id, "fulfil-7", "refused")
        uow.commit()

    with catalogue.uow_factory() as uow:
        again = _record(uow, installation_id, "fulfil-7")  # a sweep or a redelivered task
        assert again.status is OutboundStatus.FAILED
        assert uow.outbound.get_by_key(installation_id, "fulfil-7").status is OutboundStatus.FAILED
        asked_again = _record(uow, installation_id, "fulfil-7", reopen=True)  # the merchant
        uow.commit()

    assert asked_again.status is OutboundStatus.FAILED  # as found, before the reopening
    with catalogue.uow_factory() as uow:
        reopened = uow.outbound.get_by_key(installation_id, "fulfil-7")
    assert (reopened.id, reopened.status, reopened.attempts) == (
        first.id,
        OutboundStatus.PENDING,
        0,
    )
