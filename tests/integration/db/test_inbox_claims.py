"""Relay claims on a real database: several relays at once never hand a delivery over twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
from app.domain.installations import Installation, SaleorApiUrl
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.deliveries import mark_delivery_failed
from app.services.inbox_relay import relay_received_deliveries
from tests.fakes import RecordingTaskQueue

CIPHER = TokenCipher("test-secret-key-0123456789")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _uow_factory(engine):
    return lambda: SqlAlchemyUnitOfWork(engine, CIPHER)


def _record(uow_factory, count):
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl("https://shop.example.com/graphql/"),
                app_id="QXBwOjE=",
                token="t",
                jwks={},
            )
        )
        ids = [
            uow.deliveries.add(installation.id, WebhookEvent.ORDER_CREATED, f"{n:064x}", "{}")[0]
            for n in range(count)
        ]
        uow.commit()
    return ids


def test_relays_running_at_once_hand_each_delivery_over_exactly_once(engine):
    uow_factory = _uow_factory(engine)
    ids = _record(uow_factory, 300)
    queues = [RecordingTaskQueue() for _ in range(4)]
    start = threading.Barrier(len(queues))

    def relay(queue):
        start.wait()
        while relay_received_deliveries(uow_factory, queue, batch_size=7):
            pass

    threads = [threading.Thread(target=relay, args=(queue,)) for queue in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    handed = [delivery_id for queue in queues for delivery_id in queue.deliveries]
    assert sorted(handed) == ids
    with engine.connect() as connection:
        stamps = connection.execute(select(tables.webhook_deliveries.c.queued_at)).scalars()
        assert None not in set(stamps)


def test_a_claim_lost_with_its_relay_is_taken_again_after_the_window(engine):
    uow_factory = _uow_factory(engine)
    stranded, processed = _record(uow_factory, 2)
    with uow_factory() as uow:
        assert uow.deliveries.claim_waiting(NOW, NOW, 10) == [stranded, processed]
        uow.deliveries.set_status(processed, DeliveryStatus.PROCESSED)
        uow.commit()  # the relay dies here, before publishing
    queue = RecordingTaskQueue()

    soon = relay_received_deliveries(uow_factory, queue, now=NOW + timedelta(minutes=1))
    later = relay_received_deliveries(uow_factory, queue, now=NOW + timedelta(hours=1))

    assert (soon, later, queue.deliveries) == (0, 1, [stranded])


def test_a_late_failure_never_overwrites_a_finished_delivery(engine):
    uow_factory = _uow_factory(engine)
    [delivery_id] = _record(uow_factory, 1)
    with uow_factory() as uow:
        assert uow.deliveries.set_status(delivery_id, DeliveryStatus.PROCESSED) is True
        uow.commit()

    mark_delivery_failed(uow_factory, delivery_id, "timed out in a second run")

    with uow_factory() as uow:
        delivery = uow.deliveries.get(delivery_id)
    assert (delivery.status, delivery.error, delivery.attempts) == (
        DeliveryStatus.PROCESSED,
        None,
        1,
    )
