"""Which shop a task works for, for its log lines (cached: installations rarely change)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, select

from app.adapters.db import tables
from app.adapters.logs import shop_domain


def shop_of_task(engine: Engine, installation_id: int | None, delivery_id: int | None) -> str:
    """The domain of the installation (given directly or through a delivery), or ""."""
    if installation_id is None and delivery_id is not None:
        deliveries = tables.webhook_deliveries
        with engine.connect() as connection:
            installation_id = connection.execute(
                select(deliveries.c.installation_id).where(deliveries.c.id == delivery_id)
            ).scalar_one_or_none()
    if installation_id is None:
        return ""
    return _domain(engine, int(installation_id))


@lru_cache(maxsize=1024)
def _domain(engine: Engine, installation_id: int) -> str:
    installations = tables.installations
    with engine.connect() as connection:
        api_url = connection.execute(
            select(installations.c.saleor_api_url).where(installations.c.id == installation_id)
        ).scalar_one_or_none()
    return shop_domain(api_url) if api_url else ""
