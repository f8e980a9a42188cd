"""Which shop a task works for, for its log lines (one indexed query per task)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from app.adapters.db import tables
from app.adapters.logs import shop_domain


def shop_of_task(engine: Engine, installation_id: int | None, delivery_id: int | None) -> str:
    """The domain of the installation (given directly or through a delivery), or ""."""
    installations, deliveries = tables.installations, tables.webhook_deliveries
    if installation_id is not None:
        query = select(installations.c.saleor_api_url).where(
            installations.c.id == int(installation_id)
        )
    elif delivery_id is not None:
        query = (
            select(installations.c.saleor_api_url)
            .join(deliveries, deliveries.c.installation_id == installations.c.id)
            .where(deliveries.c.id == int(delivery_id))
        )
    else:
        return ""
    with engine.connect() as connection:
        api_url = connection.execute(query).scalar_one_or_none()
    return shop_domain(api_url) if api_url else ""
