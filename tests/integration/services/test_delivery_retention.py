"""Finished deliveries' bodies are emptied after the retention period; nothing else is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.adapters.db import tables
from app.adapters.task_queue import build_celery
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.delivery_retention import prune_delivery_payloads

NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
BODY = '{"__typename": "OrderCreated", "order": {"id": "T3JkZXI6MQ=="}, "userEmail": "a@b.c"}'


def _delivery(uow_factory, engine, shop, status, age_days, digest):
    with uow_factory() as uow:
        delivery_id, _ = uow.deliveries.add(
            shop, WebhookEvent.ORDER_CREATED, digest, BODY, status=status
        )
        uow.commit()
    with engine.begin() as connection:
        connection.execute(
            update(tables.webhook_deliveries)
            .where(tables.webhook_deliveries.c.id == delivery_id)
            .values(received_at=NOW - timedelta(days=age_days))
        )
    return delivery_id


def test_only_finished_deliveries_older_than_the_retention_lose_their_body(
    uow_factory, engine, shop, other_shop
):
    old_processed = _delivery(uow_factory, engine, shop, DeliveryStatus.PROCESSED, 31, "a")
    old_skipped = _delivery(uow_factory, engine, other_shop, DeliveryStatus.SKIPPED, 45, "b")
    recent = _delivery(uow_factory, engine, shop, DeliveryStatus.PROCESSED, 29, "c")
    old_received = _delivery(uow_factory, engine, shop, DeliveryStatus.RECEIVED, 90, "d")
    old_failed = _delivery(uow_factory, engine, shop, DeliveryStatus.FAILED, 90, "e")

    pruned = prune_delivery_payloads(uow_factory, 30, now=NOW)

    assert pruned == 2
    with uow_factory() as uow:
        payloads = {
            delivery_id: uow.deliveries.get(delivery_id).payload
            for delivery_id in (old_processed, old_skipped, recent, old_received, old_failed)
        }
    assert payloads[old_processed] == payloads[old_skipped] == {}
    assert all(payloads[d]["userEmail"] == "a@b.c" for d in (recent, old_received, old_failed))
    assert prune_delivery_payloads(uow_factory, 30, now=NOW) == 0


def test_a_pruned_delivery_replayed_is_still_a_duplicate(uow_factory, engine, shop):
    _delivery(uow_factory, engine, shop, DeliveryStatus.PROCESSED, 31, "a")
    prune_delivery_payloads(uow_factory, 30, now=NOW)

    with uow_factory() as uow:
        _, created = uow.deliveries.add(shop, WebhookEvent.ORDER_CREATED, "a", BODY)

    assert created is False


def test_the_beat_prunes_daily():
    schedule = build_celery("memory://").conf.beat_schedule

    assert schedule["prune-delivery-payloads"] == {
        "task": "app.jobs.deliveries.prune_delivery_payloads_task",
        "schedule": 86400.0,
    }


def test_the_beat_sweeps_for_missed_risk_reviews_every_minute():
    schedule = build_celery("memory://").conf.beat_schedule

    assert schedule["queue-missed-reviews"] == {
        "task": "app.jobs.risk.queue_missed_reviews_task",
        "schedule": 60.0,
    }
