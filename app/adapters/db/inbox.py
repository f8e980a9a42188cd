"""The webhook hot path's storage: one pooled connection, no unit of work (issue 10, item 7).

A webhook request needs two things from the database: the active installation for its
``Saleor-Api-Url`` (from the per-process cache nearly always) and one row in the inbox. On
PostgreSQL the row is one autocommitted ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` sent
over the pooled psycopg connection itself: one round trip instead of BEGIN, INSERT and COMMIT,
and no SQLAlchemy execution machinery per request (the statement is built with SQLAlchemy Core
and compiled once). Other databases (SQLite) take the ordinary Core path in a short transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.installation_cache import InstallationCache
from app.adapters.db.repositories import SqlDeliveryRepository, SqlInstallationRepository
from app.adapters.db.unit_of_work import StorageUnavailable
from app.domain.installations import Installation, InstallationId
from app.domain.webhooks import DeliveryStatus, WebhookEvent

_TABLE = tables.webhook_deliveries
_PSYCOPG_UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError)


_COLUMNS = (
    "installation_id",
    "event",
    "body_sha256",
    "payload",
    "status",
    "received_at",
    "attempts",
)


def _psycopg_sql(statement: Any) -> str:
    """Core statement -> SQL text with psycopg's ``%(name)s`` parameters (compiled once)."""
    return str(statement.compile(dialect=postgresql.psycopg.dialect()))  # type: ignore[no-untyped-call]


_INSERT_SQL = _psycopg_sql(
    postgresql.insert(_TABLE)
    .values({name: bindparam(name) for name in _COLUMNS})
    .on_conflict_do_nothing()
    .returning(_TABLE.c.id)
)
_LOOKUP_SQL = _psycopg_sql(
    select(_TABLE.c.id).where(
        _TABLE.c.installation_id == bindparam("installation_id"),
        _TABLE.c.event == bindparam("event"),
        _TABLE.c.body_sha256 == bindparam("body_sha256"),
    )
)


class SqlDeliveryInbox:
    """Implements the DeliveryInbox port."""

    def __init__(self, engine: Engine, cipher: TokenCipher, cache: InstallationCache) -> None:
        self._engine = engine
        self._cipher = cipher
        self._cache = cache
        self._record: Callable[[Mapping[str, Any]], tuple[int, bool]]
        if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
            self._record = self._record_postgresql
        else:
            self._record = self._record_core

    def active_installation(self, api_url: str) -> Installation | None:
        """The cached row (no connection at all), else one SELECT and the cache is filled."""
        cached = self._cache.get(api_url)
        if cached is not None:
            return cached
        try:
            with self._engine.connect() as connection:
                repository = SqlInstallationRepository(connection, self._cipher, self._cache)
                return repository.get_active_by_api_url(api_url)
        except (OperationalError, InterfaceError) as error:
            raise StorageUnavailable("The database is unavailable.") from error

    def record(
        self,
        installation_id: InstallationId,
        event: WebhookEvent,
        body_sha256: str,
        payload_text: str,
    ) -> tuple[int, bool]:
        """The delivery's id and True when this call stored it; a repeat is found, not stored."""
        return self._record(
            {
                "installation_id": installation_id,
                "event": event.value,
                "body_sha256": body_sha256,
                "payload": payload_text,
                "status": DeliveryStatus.RECEIVED.value,
                "received_at": datetime.now(UTC),
                "attempts": 0,
            }
        )

    def _record_postgresql(self, row: Mapping[str, Any]) -> tuple[int, bool]:
        try:
            pooled = self._engine.raw_connection()  # raises the driver's errors, unwrapped
        except (OperationalError, InterfaceError, *_PSYCOPG_UNAVAILABLE) as error:
            raise StorageUnavailable("The database is unavailable.") from error
        try:
            connection: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
            connection.autocommit = True  # client side only: no round trip
            try:
                inserted = connection.execute(_INSERT_SQL, row).fetchone()
                if inserted is not None:
                    return int(inserted[0]), True
                existing = connection.execute(_LOOKUP_SQL, row).fetchone()
            finally:
                connection.autocommit = False  # the pool hands it to units of work next
            if existing is None:  # stored and removed in between: cannot happen (rows stay)
                raise StorageUnavailable("The delivery vanished while being recorded.")
            return int(existing[0]), False
        except _PSYCOPG_UNAVAILABLE as error:
            pooled.invalidate(error)
            raise StorageUnavailable("The database is unavailable.") from error
        finally:
            pooled.close()

    def _record_core(self, row: Mapping[str, Any]) -> tuple[int, bool]:
        try:
            with self._engine.begin() as connection:
                return SqlDeliveryRepository(connection).add(
                    InstallationId(row["installation_id"]),
                    WebhookEvent(row["event"]),
                    row["body_sha256"],
                    row["payload"],
                )
        except DBAPIError as error:
            if isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated:
                raise StorageUnavailable("The database is unavailable.") from error
            raise
