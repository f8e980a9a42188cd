"""Operator commands: ``flask --app app db-upgrade``, ``replay-delivery``, ``requeue-received``,
``relay``, ``sync-webhooks``, ``set-plan``, ``enable-module``, ``disable-module``."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import click
from flask import Flask

from app.errors import AppError
from app.services.inbox_relay import InboxRelay
from app.web import container

T = TypeVar("T")


def _operator(command: Callable[..., T], **values: object) -> T:
    """An operator command's refusal (unknown shop, bad tier) as a one-line error."""
    try:
        return command(**values)
    except AppError as error:
        raise click.ClickException(error.message) from None


def register_commands(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Create or migrate the database schema."""
        container().upgrade_database()
        click.echo("database is up to date")

    @app.cli.command("replay-delivery")
    @click.argument("delivery_id", type=int)
    def replay_delivery(delivery_id: int) -> None:
        """Process one recorded webhook delivery now, in this process."""
        status = container().use_cases.process_delivery(delivery_id=delivery_id)
        click.echo(f"delivery {delivery_id}: {status.value}")

    @app.cli.command("sync-webhooks")
    def sync_webhooks_command() -> None:
        """Give every installed shop the webhooks this version subscribes to."""
        parts = container()
        subscriptions = parts.subscriptions()
        for api_url in parts.use_cases.active_api_urls():
            created = parts.use_cases.sync_webhooks(
                api_url=api_url, manifest_webhooks=subscriptions
            )
            click.echo(f"{api_url}: {', '.join(created) if created else 'up to date'}")

    @app.cli.command("rotate-secrets")
    def rotate_secrets() -> None:
        """Re-encrypt every stored token and password under the first SECRET_KEY."""
        count = container().rotate_secrets()
        click.echo(f"re-encrypted {count} secrets under the first SECRET_KEY")

    @app.cli.command("requeue-received")
    def requeue_received() -> None:
        """Hand every delivery still "received" to the worker now, however recently handed."""
        relay_received = container().use_cases.relay_received_deliveries
        handed, now = 0, datetime.now(UTC)
        while batch := relay_received(rehand_after=timedelta(0), now=now):
            handed += batch
        click.echo(f"queued {handed} deliveries")

    @app.cli.command("relay")
    def relay() -> None:
        """Run the inbox relay in the foreground (the worker runs one already) until stopped."""
        parts = container()
        inbox_relay = InboxRelay(parts.uow_factory, parts.task_queue)
        signal.signal(signal.SIGTERM, lambda *_: inbox_relay.stop(timeout=0))
        click.echo("inbox relay running")
        with contextlib.suppress(KeyboardInterrupt):
            inbox_relay.run()
        click.echo(f"inbox relay stopped after handing over {inbox_relay.handed_over}")

    @app.cli.command("set-plan")
    @click.argument("saleor_domain")
    @click.argument("tier")
    def set_plan(saleor_domain: str, tier: str) -> None:
        """Set a shop's tier (1 to 4), for a deployment that does not bill through Stripe."""
        value = _operator(container().use_cases.set_tier, domain=saleor_domain, tier=tier)
        click.echo(f"{saleor_domain}: tier {value}")

    for name, enabled in (("enable-module", True), ("disable-module", False)):
        _module_command(app, name, enabled)


def _module_command(app: Flask, name: str, enabled: bool) -> None:
    """``enable-module`` / ``disable-module <saleor domain> <module>``: the operator turns an
    add-on module on or off for a shop (what Stripe bills is not touched)."""

    @app.cli.command(name, help=_module_command.__doc__)
    @click.argument("saleor_domain")
    @click.argument("module")
    def command(saleor_domain: str, module: str) -> None:
        chosen = _operator(
            container().use_cases.set_module_enabled,
            domain=saleor_domain,
            module=module,
            enabled=enabled,
        )
        click.echo(f"{saleor_domain}: {chosen.value} {'enabled' if enabled else 'disabled'}")
