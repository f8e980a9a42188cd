"""The webhook hot path's storage on a real database: one row per delivery, the cache, outages."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.engine import build_engine
from app.adapters.db.inbox import SqlDeliveryInbox
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork, StorageUnavailable
from app.domain.installations import Installation, InstallationId, SaleorApiUrl
from app.domain.webhooks import DeliveryStatus, WebhookEvent

CIPHER = TokenCipher("test-secret-key-0123456789")
API_URL = "https://shop.example.com/graphql/"


def _install(engine, cache=None) -> InstallationId:
    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(API_URL), app_id="QXBwOjE=", token="t", jwks={}
            )
        )
        uow.commit()
    assert installation.id is not None
    return installation.id


def _rows(engine):
    table = tables.webhook_deliveries
    with engine.connect() as connection:
        return connection.execute(
            select(table.c.id, table.c.event, table.c.status, table.c.payload, table.c.queued_at)
        ).all()


def test_a_delivery_is_stored_once_and_a_repeat_finds_it(engine):
    installation_id = _install(engine)
    inbox = SqlDeliveryInbox(engine, CIPHER, InstallationCache())

    first = inbox.record(installation_id, WebhookEvent.ORDER_CREATED, "a" * 64, '{"n": 1}')
    again = inbox.record(installation_id, WebhookEvent.ORDER_CREATED, "a" * 64, '{"n": 1}')
    other_event = inbox.record(installation_id, WebhookEvent.ORDER_FULLY_PAID, "a" * 64, '{"n": 1}')

    assert first[1] is True and again == (first[0], False)
    assert other_event[1] is True and other_event[0] != first[0]
    assert sorted(_rows(engine)) == [
        (first[0], "ORDER_CREATED", DeliveryStatus.RECEIVED.value, '{"n": 1}', None),
        (other_event[0], "ORDER_FULLY_PAID", DeliveryStatus.RECEIVED.value, '{"n": 1}', None),
    ]


def test_the_row_is_committed_and_the_pooled_connection_goes_back_in_a_transaction(engine):
    installation_id = _install(engine)
    inbox = SqlDeliveryInbox(engine, CIPHER, InstallationCache())
    inbox.record(installation_id, WebhookEvent.ORDER_CREATED, "b" * 64, "{}")

    with SqlAlchemyUnitOfWork(engine, CIPHER) as uow:  # the same pooled connection, next user
        uow.deliveries.add(installation_id, WebhookEvent.ORDER_CREATED, "c" * 64, "{}")
        uow.rollback()  # not committed: a unit of work must still be a transaction

    assert [row.payload for row in _rows(engine)] == ["{}"]


def test_the_installation_is_cached_and_a_removal_in_this_process_clears_it(engine):
    cache = InstallationCache(ttl_seconds=60)
    installation_id = _install(engine, cache)
    inbox = SqlDeliveryInbox(engine, CIPHER, cache)

    found = inbox.active_installation(API_URL)
    assert found is not None and found.id == installation_id and found.token == "t"
    assert inbox.active_installation(API_URL) is found  # no query
    with SqlAlchemyUnitOfWork(engine, CIPHER, cache) as uow:
        uow.installations.mark_removed(installation_id)
        uow.commit()

    assert inbox.active_installation(API_URL) is None
    assert inbox.active_installation("https://other.example.com/graphql/") is None


def test_an_unreachable_postgresql_is_storage_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    engine = build_engine(f"postgresql://postgres@127.0.0.1:{closed_port}/nothing")
    inbox = SqlDeliveryInbox(engine, CIPHER, InstallationCache())
    try:
        with pytest.raises(StorageUnavailable):
            inbox.active_installation(API_URL)
        with pytest.raises(StorageUnavailable):
            inbox.record(InstallationId(1), WebhookEvent.ORDER_CREATED, "d" * 64, "{}")
    finally:
        engine.dispose()
