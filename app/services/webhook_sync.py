"""Webhook migration: installs made by an older version get the subscriptions they lack.

Saleor copies a manifest's webhooks at install time only, so a subscription added in a later
release (for example FULFILLMENT_CREATED) reaches existing shops only through this migration,
which compares by webhook name, as Saleor's own apps do, creates what is missing and updates a
webhook whose subscription query changed (for example to select ``__typename``).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.domain.installations import SaleorApiUrl
from app.domain.webhooks import WebhookSubscription
from app.services.ports import SaleorGateway
from app.services.unit_of_work import UnitOfWorkFactory


def sync_webhooks(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    api_url: SaleorApiUrl,
    manifest_webhooks: Sequence[WebhookSubscription],
) -> list[str]:
    """Create the manifest's webhooks this installation lacks and update those whose query
    differs; returns their names."""
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(api_url)
    if installation is None:
        return []
    api = saleor.api(installation.saleor_api_url, installation.token)
    present = api.webhook_queries()
    changed = []
    for hook in manifest_webhooks:
        if hook.name in present:
            webhook_id, query = present[hook.name]
            if query.strip() != hook.query.strip():
                api.update_webhook_query(webhook_id, hook.query)
                changed.append(hook.name)
            continue
        api.create_webhook(
            name=hook.name,
            target_url=hook.target_url,
            query=hook.query,
            async_events=list(hook.async_events),
        )
        changed.append(hook.name)
    return changed


def active_api_urls(uow_factory: UnitOfWorkFactory) -> list[SaleorApiUrl]:
    with uow_factory() as uow:
        return uow.installations.active_api_urls()
