"""Webhook bodies hold customers' data: once a delivery is done, its body is kept for a while
(to replay or inspect it) and then emptied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.unit_of_work import UnitOfWorkFactory


def prune_delivery_payloads(
    uow_factory: UnitOfWorkFactory, retention_days: int, now: datetime | None = None
) -> int:
    """Empty the payload of every processed or skipped delivery older than ``retention_days``;
    received and failed ones keep theirs (they may still be replayed). Returns how many."""
    cut_off = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    with uow_factory() as uow:
        pruned = uow.deliveries.prune_payloads(cut_off)
        uow.commit()
    return pruned
