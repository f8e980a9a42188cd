"""Operator commands: ``flask --app app db-upgrade``, ``replay-delivery``, ``requeue-received``."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from app.adapters.db import tables
from app.adapters.db.engine import upgrade_database
from app.adapters.db.secrets import rotate_stored_secrets
from app.adapters.saleor.manifest import build_manifest
from app.adapters.saleor.parsing import manifest_subscriptions
from app.domain.webhooks import DeliveryStatus
from app.services.deliveries import process_delivery
from app.services.webhook_sync import active_api_urls, sync_webhooks
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

    @app.cli.command("sync-webhooks")
    def sync_webhooks_command() -> None:
        """Give every installed shop the webhooks this version subscribes to."""
        parts = container()
        settings = parts.settings
        manifest = build_manifest(settings.manifest_path, settings.webhooks_dir, settings.app_url)
        subscriptions = manifest_subscriptions(manifest)
        for api_url in active_api_urls(parts.uow_factory):
            created = sync_webhooks(parts.uow_factory, parts.saleor, api_url, subscriptions)
            click.echo(f"{api_url}: {', '.join(created) if created else 'up to date'}")

    @app.cli.command("rotate-secrets")
    def rotate_secrets() -> None:
        """Re-encrypt every stored token and password under the first SECRET_KEY."""
        parts = container()
        count = rotate_stored_secrets(parts.engine, parts.cipher)
        click.echo(f"re-encrypted {count} secrets under the first SECRET_KEY")

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
