"""Billing accounts and processed Stripe events in SQL (every account query by installation)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.adapters.db.utc import as_utc
from app.domain.billing import BilledSubscription, BillingAccount, Module
from app.domain.installations import InstallationId


def _modules(values: Any) -> frozenset[Module]:
    known = {module.value for module in Module}
    return frozenset(Module(v) for v in values or () if v in known)


def _subscription_json(billed: BilledSubscription) -> dict[str, Any]:
    failed = billed.payment_failed_at
    return {
        "id": billed.subscription_id,
        "status": billed.status,
        "tier": billed.tier,
        "modules": sorted(billed.modules),
        "payment_failed_at": failed.isoformat() if failed else None,
        "event_created": billed.event_created,
    }


def _subscription(data: dict[str, Any]) -> BilledSubscription:
    failed = data.get("payment_failed_at")
    return BilledSubscription(
        subscription_id=data["id"],
        status=data["status"],
        tier=data.get("tier"),
        modules=_modules(data.get("modules")),
        payment_failed_at=datetime.fromisoformat(failed) if failed else None,
        event_created=int(data.get("event_created") or 0),
    )


def _account(row: Any) -> BillingAccount:
    return BillingAccount(
        tier=row.tier,
        enabled_modules=_modules(row.enabled_modules),
        stripe_customer_id=row.stripe_customer_id,
        subscriptions=tuple(_subscription(s) for s in row.subscriptions or ()),
        lapse_notified_at=as_utc(row.lapse_notified_at),
    )


class SqlBillingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, installation_id: InstallationId, *, for_update: bool = False) -> BillingAccount:
        """The shop's account (tier 1, nothing bought, when it has none yet); ``for_update``
        locks the row (PostgreSQL) so concurrent Stripe events apply one after the other."""
        table = tables.billing_accounts
        if for_update:
            self._ensure(installation_id)
        query = select(table).where(table.c.installation_id == installation_id)
        if for_update and self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        return BillingAccount() if row is None else _account(row)

    def _ensure(self, installation_id: InstallationId) -> None:
        self._connection.execute(
            insert_ignoring_conflicts(self._connection, tables.billing_accounts).values(
                installation_id=installation_id,
                enabled_modules=[],
                subscriptions=[],
                updated_at=datetime.now(UTC),
            )
        )

    def save(self, installation_id: InstallationId, account: BillingAccount) -> None:
        self._ensure(installation_id)
        table = tables.billing_accounts
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id)
            .values(
                tier=account.tier,
                enabled_modules=sorted(account.enabled_modules),
                stripe_customer_id=account.stripe_customer_id[:255],
                subscriptions=[_subscription_json(s) for s in account.subscriptions],
                lapse_notified_at=account.lapse_notified_at,
                updated_at=datetime.now(UTC),
            )
        )

    def installation_for_customer(self, customer_id: str) -> InstallationId | None:
        if not customer_id:
            return None
        table = tables.billing_accounts
        found = self._connection.execute(
            select(table.c.installation_id).where(table.c.stripe_customer_id == customer_id)
        ).first()
        return None if found is None else InstallationId(found[0])

    def with_subscriptions(self) -> list[tuple[InstallationId, BillingAccount]]:
        """Accounts Stripe bills (the grace-period sweep reads them)."""
        table = tables.billing_accounts
        rows = self._connection.execute(
            select(table).where(table.c.stripe_customer_id != "").order_by(table.c.installation_id)
        )
        return [(InstallationId(row.installation_id), _account(row)) for row in rows]

    def record_event(
        self, event_id: str, kind: str, installation_id: InstallationId | None, now: datetime
    ) -> bool:
        """Note a Stripe event as processed; False when it was already (a replay or retry)."""
        table = tables.stripe_events
        inserted = self._connection.execute(
            insert_ignoring_conflicts(self._connection, table)
            .values(
                event_id=event_id[:255],
                type=kind[:100],
                installation_id=installation_id,
                received_at=now,
            )
            .returning(table.c.event_id)
        ).scalar()
        return inserted is not None
