"""Operator commands: ``flask --app app db-upgrade``, ``replay-delivery``, ``requeue-received``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.db.engine import upgrade_database
from app.domain.webhooks import DeliveryStatus
from app.services.deliveries import process_delivery
from app.web import container


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database schema."""
        upgrade_database(container().engine)
        click.echo("database is up to date")

    @app.cli.command("replay-delivery")
    @click.argument("delivery_id", type=int)
    def replay_delivery(delivery_id: int) -> None:
        """Process one recorded webhook delivery now, in this process."""
        parts = container()
        status = process_delivery(parts.uow_factory, parts.saleor, delivery_id)
        click.echo(f"delivery {delivery_id}: {status.value}")

    @app.cli.command("requeue-received")
    def requeue_received() -> None:
        """Queue again every delivery that was recorded but never processed."""
        parts = container()
        table = tables.webhook_deliveries
        with parts.engine.connect() as connection:
            ids = list(
                connection.execute(
                    select(table.c.id).where(table.c.status == DeliveryStatus.RECEIVED.value)
                ).scalars()
            )
        for delivery_id in ids:
            parts.task_queue.enqueue_delivery(delivery_id)
        click.echo(f"queued {len(ids)} deliveries")
