"""Readiness checks for ``/readyz`` and the inbox figures for ``/metrics``."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from celery import Celery
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.db import tables
from app.adapters.db.engine import alembic_config
from app.domain.webhooks import DeliveryStatus

BROKER_TIMEOUT_SECONDS = 2.0


def database_problem(engine: Engine) -> str | None:
    """None when the database answers and its schema is at the newest migration."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        return f"database unreachable ({type(error).__name__})"
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    if current != heads:
        return f"migrations not at head (at {sorted(current) or 'none'}, head {sorted(heads)})"
    return None


def broker_problem(celery: Celery) -> str | None:
    """None when the Celery broker accepts a connection within two seconds."""
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as error:  # kombu raises transport-specific errors
        return f"broker unreachable ({type(error).__name__})"
    return None


def inbox_backlog(engine: Engine) -> tuple[int, float]:
    """Deliveries received and not processed, and the age in seconds of the oldest."""
    table = tables.webhook_deliveries
    with engine.connect() as connection:
        count, oldest = connection.execute(
            select(func.count(), func.min(table.c.received_at)).where(
                table.c.status == DeliveryStatus.RECEIVED.value
            )
        ).one()
    if oldest is None:
        return int(count), 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())
