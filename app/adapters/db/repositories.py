"""Repositories over SQLAlchemy Core. Every tenant query is bound to an installation id."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.saleor.parsing import parse_order
from app.domain.installations import (
    Installation,
    InstallationId,
    InstallationStatus,
    SaleorApiUrl,
)
from app.domain.orders import DropShipState, Order, OrderInfo, is_older_answer
from app.domain.webhooks import DeliveryStatus, WebhookEvent
from app.services.unit_of_work import Delivery


def _now() -> datetime:
    return datetime.now(UTC)


def insert_ignoring_conflicts(connection: Connection, table: Any) -> Insert:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"unsupported database {dialect}")


_INSERT_DELIVERY: dict[str, Insert] = {}


def _insert_delivery(connection: Connection) -> Insert:
    """Built once per dialect: the webhook hot path skips building the statement each time."""
    dialect = connection.dialect.name
    if dialect not in _INSERT_DELIVERY:
        table = tables.webhook_deliveries
        _INSERT_DELIVERY[dialect] = insert_ignoring_conflicts(connection, table).returning(
            table.c.id
        )
    return _INSERT_DELIVERY[dialect]


class SqlInstallationRepository:
    def __init__(
        self, connection: Connection, cipher: TokenCipher, cache: InstallationCache | None = None
    ) -> None:
        self._connection = connection
        self._cipher = cipher
        self._cache = cache or InstallationCache(ttl_seconds=0)
        self.changed = False

    def _changing(self) -> None:
        self.changed = True
        self._cache.clear()

    def _to_installation(self, row: Any) -> Installation:
        return Installation(
            id=InstallationId(row.id),
            saleor_api_url=SaleorApiUrl(row.saleor_api_url),
            app_id=row.app_id,
            token=self._cipher.decrypt(row.token_encrypted),
            jwks=row.jwks,
            status=InstallationStatus(row.status),
            installed_at=row.installed_at,
            removed_at=row.removed_at,
        )

    def get(self, installation_id: InstallationId) -> Installation | None:
        row = self._connection.execute(
            select(tables.installations).where(tables.installations.c.id == installation_id)
        ).first()
        return None if row is None else self._to_installation(row)

    def get_active_by_api_url(self, api_url: str) -> Installation | None:
        cached = self._cache.get(api_url)
        if cached is not None:
            return cached
        row = self._connection.execute(
            select(tables.installations).where(
                tables.installations.c.saleor_api_url == api_url,
                tables.installations.c.status == InstallationStatus.ACTIVE.value,
            )
        ).first()
        if row is None:
            return None
        installation = self._to_installation(row)
        if not self.changed:
            self._cache.put(installation)
        return installation

    def active_api_urls(self) -> list[SaleorApiUrl]:
        """Every active installation (operator commands run across shops)."""
        table = tables.installations
        rows = self._connection.execute(
            select(table.c.saleor_api_url)
            .where(table.c.status == InstallationStatus.ACTIVE.value)
            .order_by(table.c.id)
        )
        return [SaleorApiUrl(row[0]) for row in rows]

    def save(self, installation: Installation) -> Installation:
        """Insert, or replace the earlier install of the same Saleor (its data stays)."""
        self._changing()
        values = {
            "app_id": installation.app_id,
            "token_encrypted": self._cipher.encrypt(installation.token),
            "jwks": dict(installation.jwks),
            "status": InstallationStatus.ACTIVE.value,
            "installed_at": _now(),
            "removed_at": None,
        }
        table = tables.installations
        existing = self._connection.execute(
            select(table.c.id).where(table.c.saleor_api_url == installation.saleor_api_url)
        ).scalar()
        if existing is None:
            result = self._connection.execute(
                table.insert().values(saleor_api_url=installation.saleor_api_url, **values)
            )
            new_id = result.inserted_primary_key[0]  # type: ignore[index]
        else:
            self._connection.execute(update(table).where(table.c.id == existing).values(**values))
            new_id = existing
        saved = self.get(InstallationId(new_id))
        assert saved is not None
        return saved

    def update_jwks(self, installation_id: InstallationId, jwks: Mapping[str, Any]) -> None:
        self._changing()
        table = tables.installations
        self._connection.execute(
            update(table).where(table.c.id == installation_id).values(jwks=dict(jwks))
        )

    def claim_jwks_fetch(
        self, installation_id: InstallationId, now: datetime, interval_seconds: float
    ) -> bool:
        """One UPDATE: concurrent requests (any process) cannot both claim the same interval."""
        table = tables.installations
        result = self._connection.execute(
            update(table)
            .where(
                table.c.id == installation_id,
                or_(
                    table.c.jwks_fetched_at.is_(None),
                    table.c.jwks_fetched_at <= now - timedelta(seconds=interval_seconds),
                ),
            )
            .values(jwks_fetched_at=now)
        )
        return result.rowcount == 1

    def mark_removed(self, installation_id: InstallationId) -> None:
        self._changing()
        table = tables.installations
        self._connection.execute(
            update(table)
            .where(table.c.id == installation_id)
            .values(status=InstallationStatus.REMOVED.value, removed_at=_now())
        )


PRUNED_PAYLOAD = "{}"


class SqlDeliveryRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    @staticmethod
    def _to_delivery(row: Any) -> Delivery:
        return Delivery(
            id=row.id,
            installation_id=InstallationId(row.installation_id),
            event=WebhookEvent(row.event),
            body_sha256=row.body_sha256,
            payload=json.loads(row.payload),
            status=DeliveryStatus(row.status),
            received_at=row.received_at,
            attempts=row.attempts,
            error=row.error,
            queued_at=row.queued_at,
        )

    def add(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
        status: DeliveryStatus = DeliveryStatus.RECEIVED,
    ) -> tuple[int, bool]:
        table = tables.webhook_deliveries
        inserted = self._connection.execute(
            _insert_delivery(self._connection),
            {
                "installation_id": installation_id,
                "event": event.value,
                "body_sha256": body_sha256,
                "payload": payload_text,
                "status": status.value,
                "received_at": _now(),
                "attempts": 0,
            },
        ).scalar()
        if inserted is not None:
            return int(inserted), True
        existing = self._connection.execute(
            select(table.c.id).where(
                table.c.installation_id == installation_id,
                table.c.event == event.value,
                table.c.body_sha256 == body_sha256,
            )
        ).scalar_one()
        return int(existing), False

    def prune_payloads(self, received_before: datetime) -> int:
        """Empty the stored body of finished deliveries received before the cut-off (all
        shops: a retention job); the row stays, so a late replay is still a duplicate."""
        table = tables.webhook_deliveries
        finished = (DeliveryStatus.PROCESSED.value, DeliveryStatus.SKIPPED.value)
        result = self._connection.execute(
            update(table)
            .where(
                table.c.status.in_(finished),
                table.c.received_at < received_before,
                table.c.payload != PRUNED_PAYLOAD,
            )
            .values(payload=PRUNED_PAYLOAD)
        )
        return int(result.rowcount)

    def get(self, delivery_id: int) -> Delivery | None:
        table = tables.webhook_deliveries
        row = self._connection.execute(select(table).where(table.c.id == delivery_id)).first()
        return None if row is None else self._to_delivery(row)

    def set_status(
        self, delivery_id: int, status: DeliveryStatus, error: str | None = None
    ) -> bool:
        """Move a delivery out of "received"; False when another run already finished it."""
        table = tables.webhook_deliveries
        result = self._connection.execute(
            update(table)
            .where(table.c.id == delivery_id, table.c.status == DeliveryStatus.RECEIVED.value)
            .values(
                status=status.value,
                error=error,
                processed_at=_now(),
                attempts=table.c.attempts + 1,
            )
        )
        return bool(result.rowcount)

    def claim_waiting(self, claimed_at: datetime, handed_before: datetime, limit: int) -> list[int]:
        """Mark up to ``limit`` received deliveries as handed over at ``claimed_at``: those never
        handed, and those handed before ``handed_before`` and still not processed. Rows another
        relay is claiming are skipped (PostgreSQL); SQLite runs one writer at a time."""
        table = tables.webhook_deliveries
        waiting = (
            select(table.c.id)
            .where(
                table.c.status == DeliveryStatus.RECEIVED.value,
                or_(table.c.queued_at.is_(None), table.c.queued_at < handed_before),
            )
            .order_by(table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("waiting")  # a locking CTE runs once; an IN (subquery) may be rescanned
        )
        claimed = self._connection.execute(
            update(table)
            .where(table.c.id == waiting.c.id)
            .values(queued_at=claimed_at)
            .returning(table.c.id)
        )
        return sorted(int(row[0]) for row in claimed)

    def release_claim(self, delivery_ids: Sequence[int], claimed_at: datetime) -> None:
        """The hand-over failed: the next relay pass takes these again."""
        table = tables.webhook_deliveries
        self._connection.execute(
            update(table)
            .where(table.c.id.in_(list(delivery_ids)), table.c.queued_at == claimed_at)
            .values(queued_at=None)
        )

    def list_for(self, installation_id: InstallationId) -> list[Delivery]:
        table = tables.webhook_deliveries
        rows = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id).order_by(table.c.id)
        )
        return [self._to_delivery(row) for row in rows]


class SqlOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, installation_id: InstallationId, saleor_order_id: str) -> Order | None:
        table = tables.orders
        row = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
        ).first()
        if row is None:
            return None
        return Order(
            info=parse_order(row.snapshot),
            state=DropShipState(row.dropship_state),
            state_note=row.state_note,
        )

    def set_state(
        self,
        installation_id: InstallationId,
        saleor_order_id: str,
        state: DropShipState,
        note: str | None = None,
    ) -> None:
        table = tables.orders
        self._connection.execute(
            update(table)
            .where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
            .values(dropship_state=state.value, state_note=note)
        )

    def save(self, installation_id: InstallationId, info: OrderInfo) -> None:
        """Store what Saleor says about the order; the drop-ship state is left as it is. An
        answer older (``updatedAt``) than the stored copy is dropped: it lost a race."""
        table = tables.orders
        values = {
            "number": info.number,
            "status": info.status,
            "snapshot": dict(info.raw),
            "refreshed_at": _now(),
        }
        inserted = self._connection.execute(
            insert_ignoring_conflicts(self._connection, table)
            .values(
                installation_id=installation_id,
                saleor_order_id=info.id,
                **values,
            )
            .returning(table.c.id)
        ).scalar()
        if inserted is None and not self._has_newer(installation_id, info):
            self._connection.execute(
                update(table)
                .where(
                    table.c.installation_id == installation_id,
                    table.c.saleor_order_id == info.id,
                )
                .values(**values)
            )

    def _has_newer(self, installation_id: InstallationId, info: OrderInfo) -> bool:
        """Lock the stored order; is it newer than ``info`` (a late answer that lost a race)?"""
        table = tables.orders
        stored = self._connection.execute(
            select(table.c.snapshot)
            .where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == info.id,
            )
            .with_for_update()
        ).scalar()
        stored_at = stored.get("updatedAt") if isinstance(stored, dict) else None
        return isinstance(stored_at, str) and is_older_answer(info.updated_at, stored_at)
