"""Stored Saleor schemas: one row per distinct schema, one per installation pointing at it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.domain.installations import InstallationId
from app.domain.shop_schemas import ShopSchema, ShopSchemaRecord


class SqlShopSchemaRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def save(self, installation_id: InstallationId, schema: ShopSchema) -> None:
        """Record the schema an installation's Saleor answered with (replacing the last one)."""
        now = datetime.now(UTC)
        self._connection.execute(
            insert_ignoring_conflicts(self._connection, tables.saleor_schemas).values(
                sha256=schema.sha256, introspection=schema.introspection, created_at=now
            )
        )
        table = tables.installation_schemas
        values: dict[str, Any] = {
            "saleor_version": schema.saleor_version,
            "schema_sha256": schema.sha256,
            "problems": list(schema.problems),
            "checked_at": now,
        }
        updated = self._connection.execute(
            table.update().where(table.c.installation_id == installation_id).values(**values)
        )
        if not updated.rowcount:
            self._connection.execute(
                table.insert().values(installation_id=installation_id, **values)
            )

    def get(self, installation_id: InstallationId) -> ShopSchemaRecord | None:
        table = tables.installation_schemas
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id)
        ).one_or_none()
        if row is None:
            return None
        return ShopSchemaRecord(
            saleor_version=row.saleor_version,
            sha256=row.schema_sha256,
            problems=tuple(row.problems or ()),
            checked_at=row.checked_at,
        )


class ShopSchemaStore:
    """For the Saleor gateway: which schema a Saleor answered with, cached for ``ttl_seconds``."""

    def __init__(self, engine: Engine, ttl_seconds: float = 30.0) -> None:
        self._engine = engine
        self._ttl = ttl_seconds
        self._shas: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def sha_for(self, api_url: str) -> str | None:
        now = time.monotonic()
        with self._lock:
            cached = self._shas.get(api_url)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        joined = tables.installation_schemas.join(
            tables.installations,
            tables.installations.c.id == tables.installation_schemas.c.installation_id,
        )
        with self._engine.connect() as connection:
            sha = connection.execute(
                select(tables.installation_schemas.c.schema_sha256)
                .select_from(joined)
                .where(tables.installations.c.saleor_api_url == api_url)
            ).scalar_one_or_none()
        with self._lock:
            self._shas[api_url] = (now, sha)
        return sha

    def introspection(self, sha256: str) -> bytes | None:
        table = tables.saleor_schemas
        with self._engine.connect() as connection:
            data = connection.execute(
                select(table.c.introspection).where(table.c.sha256 == sha256)
            ).scalar_one_or_none()
        return bytes(data) if data is not None else None

    def save_for(self, api_url: str, schema: ShopSchema) -> None:
        """Store a schema read outside an install (an installation from before schemas)."""
        installations = tables.installations
        with self._engine.begin() as connection:
            installation_id = connection.execute(
                select(installations.c.id).where(installations.c.saleor_api_url == api_url)
            ).scalar_one_or_none()
            if installation_id is not None:
                SqlShopSchemaRepository(connection).save(InstallationId(installation_id), schema)
        self.forget(api_url)

    def forget(self, api_url: str | None = None) -> None:
        with self._lock:
            if api_url is None:
                self._shas.clear()
            else:
                self._shas.pop(api_url, None)
