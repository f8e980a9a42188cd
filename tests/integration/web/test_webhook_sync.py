"""Webhook migration: a shop installed by an older version gets the subscriptions it lacks."""

from __future__ import annotations

from app.adapters.saleor.manifest import build_manifest
from app.adapters.saleor.parsing import manifest_subscriptions
from app.services.webhook_sync import sync_webhooks
from tests.builders import make_order

NEW = {"fulfillment-created", "fulfillment-canceled"}


def _older_install(fake, live):
    app = fake.install_app(live.manifest_url)
    app.webhooks = [hook for hook in app.webhooks if hook["name"] not in NEW]
    return app


def _manifest(live):
    settings = live.container.settings
    return build_manifest(settings.manifest_path, settings.webhooks_dir, settings.app_url)


def test_missing_webhooks_are_created_and_then_delivered(fake_saleor, live_app):
    app = _older_install(fake_saleor, live_app)
    parts = live_app.container

    created = sync_webhooks(
        parts.uow_factory,
        parts.saleor,
        fake_saleor.api_url,
        manifest_subscriptions(_manifest(live_app)),
    )

    assert set(created) == NEW
    assert {hook["name"] for hook in app.webhooks} >= NEW
    order = make_order()
    fake_saleor.add_order(order)
    delivery = fake_saleor.send_event(
        app,
        "FULFILLMENT_CREATED",
        order_id=order["id"],
        extra={"fulfillment": {"id": "RnVsZmlsbG1lbnQ6MQ==", "status": "FULFILLED"}},
    )
    assert delivery.attempts == [(200, "")]
    assert (
        sync_webhooks(
            parts.uow_factory,
            parts.saleor,
            fake_saleor.api_url,
            manifest_subscriptions(_manifest(live_app)),
        )
        == []
    )


def test_the_command_reports_each_shop(fake_saleor, live_app):
    _older_install(fake_saleor, live_app)

    result = live_app.flask.test_cli_runner().invoke(args=["sync-webhooks"])

    assert result.exit_code == 0, result.output
    assert (
        result.output.strip() == f"{fake_saleor.api_url}: fulfillment-created, fulfillment-canceled"
    )


def test_webhooks_with_an_older_query_are_updated_and_then_accepted(fake_saleor, live_app):
    app = fake_saleor.install_app(live_app.manifest_url)
    for hook in app.webhooks:
        hook["query"] = hook["query"].replace("  event {\n    __typename\n", "  event {\n")
    assert not any("event {\n    __typename" in hook["query"] for hook in app.webhooks)
    order = make_order()
    fake_saleor.add_order(order)
    parts = live_app.container
    refused = fake_saleor.send_event(app, "ORDER_CREATED", order_id=order["id"])

    updated = sync_webhooks(
        parts.uow_factory,
        parts.saleor,
        fake_saleor.api_url,
        manifest_subscriptions(_manifest(live_app)),
    )

    assert refused.attempts == [(401, "")]
    assert set(updated) == {hook["name"] for hook in _manifest(live_app)["webhooks"]}
    manifest_queries = {h["name"]: h["query"] for h in _manifest(live_app)["webhooks"]}
    assert {hook["name"]: hook["query"] for hook in app.webhooks} == manifest_queries
    accepted = fake_saleor.send_event(app, "ORDER_CREATED", order_id=order["id"])
    assert accepted.attempts == [(200, "")]
    assert (
        sync_webhooks(
            parts.uow_factory,
            parts.saleor,
            fake_saleor.api_url,
            manifest_subscriptions(_manifest(live_app)),
        )
        == []
    )
