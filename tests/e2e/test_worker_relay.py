"""A production worker runs the inbox relay itself (ADR 8): a delivery recorded in the inbox is
handed over and processed with nothing but the worker running (`make run`'s shape).

Its own database and file broker, so its relay sees no other test's deliveries."""

from __future__ import annotations

from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.db.engine import build_engine, upgrade_database
from app.bootstrap import build_container
from app.domain.installations import Installation, SaleorApiUrl
from app.domain.webhooks import WebhookEvent
from tests.conftest import make_settings
from tests.e2e.conftest import wait_until
from tests.servers.worker import Worker


def test_a_worker_hands_over_and_processes_what_the_inbox_holds(tmp_path):
    settings = make_settings(
        tmp_path,
        database_url=f"sqlite:///{tmp_path / 'relay.sqlite'}",
        celery_broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
    )
    engine = build_engine(settings.database_url)
    upgrade_database(engine)
    parts = build_container(settings, engine=engine)
    with parts.uow_factory() as uow:
        removed = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl("http://127.0.0.1:9/graphql/"),
                app_id="QXBwOjk=",
                token="token",
                jwks={},
            )
        )
        assert removed.id is not None
        uow.installations.mark_removed(removed.id)
        delivery_id, _ = uow.deliveries.add(
            removed.id, WebhookEvent.ORDER_CREATED, "a" * 64, '{"__typename": "OrderCreated"}'
        )
        uow.commit()
    table = tables.webhook_deliveries

    def row():
        with engine.connect() as connection:
            return connection.execute(select(table).where(table.c.id == delivery_id)).one()

    worker = Worker(settings, tmp_path / "worker.log", relay=True)
    try:
        worker.wait_ready()
        done = wait_until(lambda: (found := row()).status != "received" and found, timeout=30)
    finally:
        worker.stop()
        engine.dispose()

    assert (done.status, done.error) == ("skipped", "app removed")
    assert done.queued_at is not None
