"""Saleor writes with an unknown outcome (applied, then a timeout) against the fake Saleor over
HTTP: no write twice, and failures of tracking updates and cancellations are recorded."""

from __future__ import annotations

import pytest

from app.domain.outbound import Channel, OutboundStatus, Subject
from app.errors import Retryable
from app.services import tasks
from app.services.orders import confirm_order, refresh_order
from app.services.outbound import latest_outbound
from app.services.ports import SaleorUnavailable
from app.services.saleor_writes.fulfilment_changes import (
    cancel_in_saleor,
    update_tracking_in_saleor,
)
from app.services.saleor_writes.write_back import write_back_order
from app.services.shipments import cancel_shipment, correct_tracking
from tests.integration.services.test_fulfilments import CARRIERS, SALEOR_TIMEOUT, UPS, USPS
from tests.integration.services.test_fulfilments import shop as shop  # the fixture


def _notes_in_saleor(shop):
    events = shop.fake.order(shop.order_id).get("events") or []
    return [e["message"] for e in events if e.get("type") == "NOTE_ADDED"]


def _write_back(shop, token):
    return write_back_order(
        shop.uow_factory,
        shop.saleor,
        shop.queue,
        installation_id=shop.installation_id,
        order_id=shop.order_id,
        claim_token=token,
    )


def _shipment_writes(shop, shipment_id):
    with shop.uow_factory() as uow:
        return {
            a.channel: a
            for a in uow.outbound.latest(shop.installation_id, Subject.SHIPMENT, [str(shipment_id)])
        }


def test_a_write_back_applied_before_a_timeout_is_not_written_again(shop):
    shop.fake.delay_next_mutation(SALEOR_TIMEOUT + 1.0)  # the gateway gives up first

    with pytest.raises(SaleorUnavailable):
        _write_back(shop, "task-1")
    assert _notes_in_saleor(shop) == ["Drop-ship PO(s) created: 2001-1 (Acme), 2001-2 (Beta)."]

    assert _write_back(shop, "task-1") == 1  # the retry reads the write-back id back

    assert _notes_in_saleor(shop) == ["Drop-ship PO(s) created: 2001-1 (Acme), 2001-2 (Beta)."]
    with shop.uow_factory() as uow:
        [attempt] = latest_outbound(
            uow, shop.installation_id, Subject.ORDER, [shop.order_id]
        ).values()
    assert (attempt.status, attempt.attempts) == (OutboundStatus.SENT, 2)


def test_a_write_back_lost_before_saleor_applied_it_is_written_on_the_retry(shop):
    shop.fake.fail_next_graphql(502)

    with pytest.raises(SaleorUnavailable):
        _write_back(shop, "task-1")
    assert _notes_in_saleor(shop) == []

    assert _write_back(shop, "task-1") == 1

    assert _notes_in_saleor(shop) == ["Drop-ship PO(s) created: 2001-1 (Acme), 2001-2 (Beta)."]


def test_a_confirmation_applied_before_a_timeout_counts_as_confirmed(shop):
    shop.fake.store.orders[shop.order_id]["status"] = "UNCONFIRMED"
    with shop.uow_factory() as uow:
        installation = uow.installations.get(shop.installation_id)
    refresh_order(shop.uow_factory, shop.saleor, installation, shop.order_id)
    shop.fake.delay_next_mutation(SALEOR_TIMEOUT + 1.0)

    status = confirm_order(shop.uow_factory, shop.saleor, shop.installation_id, shop.order_id)

    assert status == "UNFULFILLED"
    confirms = [c for c in shop.fake.requests if c.operation_name == "OrderConfirm"]
    assert len(confirms) == 1
    with shop.uow_factory() as uow:
        assert uow.orders.get(shop.installation_id, shop.order_id).status == "UNFULFILLED"


def test_a_tracking_update_saleor_cannot_take_is_recorded_with_the_reason(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.write(shipment.id)
    correct_tracking(
        shop.uow_factory, shop.queue, CARRIERS, shop.installation_id, shipment.id, tracking=USPS
    )
    shop.fake.fail_next_graphql(503, count=3)

    with pytest.raises(Retryable):
        update_tracking_in_saleor(
            shop.uow_factory,
            shop.saleor,
            installation_id=shop.installation_id,
            shipment_id=shipment.id,
            final_attempt=True,
        )

    attempt = _shipment_writes(shop, shipment.id)[Channel.SALEOR_TRACKING]
    assert attempt.status is OutboundStatus.FAILED
    assert "503" in (attempt.last_error or "")
    fulfilments = shop.fake.order(shop.order_id)["fulfillments"]
    assert [f["trackingNumber"] for f in fulfilments] == [UPS]  # nothing changed in Saleor


def test_a_cancellation_saleor_cannot_take_is_recorded_and_retried_without_a_second_cancel(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})
    shop.write(shipment.id)
    shop.fake.fail_next_graphql(502, count=3)

    def cancel():
        return cancel_in_saleor(
            shop.uow_factory,
            shop.saleor,
            shop.queue,
            installation_id=shop.installation_id,
            shipment_id=shipment.id,
        )

    with pytest.raises(Retryable):
        cancel()
    waiting = _shipment_writes(shop, shipment.id)[Channel.SALEOR_CANCEL_FULFILMENT]
    assert (waiting.status, waiting.attempts) == (OutboundStatus.PENDING, 1)
    assert "502" in (waiting.last_error or "")
    assert waiting.retry_at is not None

    shop.fake.delay_next_mutation(SALEOR_TIMEOUT + 1.0)  # applied, then a timeout
    with pytest.raises(Retryable):
        cancel()
    cancel()  # reads Saleor first: the fulfilment is cancelled already

    cancels = [c for c in shop.fake.requests if c.operation_name == "FulfillmentCancel"]
    assert len(cancels) == 1
    done = _shipment_writes(shop, shipment.id)[Channel.SALEOR_CANCEL_FULFILMENT]
    assert (done.status, done.attempts) == (OutboundStatus.SENT, 3)


def test_saleor_writes_are_recorded_when_asked_for_even_if_their_task_never_runs(shop):
    shipment = shop.ship(shop.acme_po, {shop.line(0): 3})  # the queue runs nothing
    fulfil = _shipment_writes(shop, shipment.id)[Channel.SALEOR_FULFIL]
    assert (fulfil.status, fulfil.attempts, fulfil.idempotency_key) == (
        OutboundStatus.PENDING,
        0,
        f"fulfil-{shipment.id}",
    )
    shop.write(shipment.id)

    correct_tracking(
        shop.uow_factory, shop.queue, CARRIERS, shop.installation_id, shipment.id, tracking=USPS
    )
    cancel_shipment(shop.uow_factory, shop.queue, shop.installation_id, shipment.id)

    writes = _shipment_writes(shop, shipment.id)
    tracking = writes[Channel.SALEOR_TRACKING]
    cancel = writes[Channel.SALEOR_CANCEL_FULFILMENT]
    assert (tracking.status, tracking.attempts, tracking.idempotency_key) == (
        OutboundStatus.PENDING,
        0,
        f"tracking-{shipment.id}-{USPS}",
    )
    assert (cancel.status, cancel.attempts) == (OutboundStatus.PENDING, 0)
    assert writes[Channel.SALEOR_FULFIL].status is OutboundStatus.SENT
    queued = [task for task, _ in shop.queue.tasks]
    assert queued[-2:] == [tasks.UPDATE_TRACKING, tasks.CANCEL_SHIPMENT]
