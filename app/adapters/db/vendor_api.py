"""Vendor API keys and the vendor API's stored answers (tables vendor_api_keys and
vendor_api_requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from app.adapters.db import tables
from app.adapters.db.utc import as_utc
from app.domain.installations import InstallationId
from app.domain.vendor_api_keys import VendorApiKey
from app.services.vendor_api_ports import StoredAnswer

_keys = tables.vendor_api_keys
_requests = tables.vendor_api_requests


def _key(row: Any) -> VendorApiKey:
    return VendorApiKey(
        id=row.id,
        installation_id=InstallationId(row.installation_id),
        vendor_id=row.vendor_id,
        key_id=row.key_id,
        secret_sha256=row.secret_sha256,
        created_at=as_utc(row.created_at) or row.created_at,
        created_by=row.created_by,
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
    )


class SqlVendorApiRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add_key(self, key: VendorApiKey) -> VendorApiKey:
        key_row_id = self._connection.execute(
            insert(_keys)
            .values(
                installation_id=key.installation_id,
                vendor_id=key.vendor_id,
                key_id=key.key_id,
                secret_sha256=key.secret_sha256,
                created_at=key.created_at,
                created_by=key.created_by,
            )
            .returning(_keys.c.id)
        ).scalar_one()
        return VendorApiKey(**{**key.__dict__, "id": int(key_row_id)})

    def revoke_keys(self, installation_id: InstallationId, vendor_id: int, at: datetime) -> int:
        result = self._connection.execute(
            update(_keys)
            .where(
                _keys.c.installation_id == installation_id,
                _keys.c.vendor_id == vendor_id,
                _keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return int(result.rowcount or 0)

    def active_key(self, installation_id: InstallationId, vendor_id: int) -> VendorApiKey | None:
        row = self._connection.execute(
            select(_keys)
            .where(
                _keys.c.installation_id == installation_id,
                _keys.c.vendor_id == vendor_id,
                _keys.c.revoked_at.is_(None),
            )
            .order_by(_keys.c.id.desc())
        ).first()
        return _key(row) if row else None

    def find_key(self, key_id: str) -> VendorApiKey | None:
        """By the public key id, across shops (the key names its shop and vendor)."""
        row = self._connection.execute(select(_keys).where(_keys.c.key_id == key_id)).first()
        return _key(row) if row else None

    def stored_answer(
        self, installation_id: InstallationId, vendor_id: int, idempotency_key: str
    ) -> StoredAnswer | None:
        row = self._connection.execute(
            select(_requests).where(
                _requests.c.installation_id == installation_id,
                _requests.c.vendor_id == vendor_id,
                _requests.c.idempotency_key == idempotency_key,
            )
        ).first()
        if row is None:
            return None
        return StoredAnswer(row.fingerprint, row.status_code, row.response)

    def store_answer(
        self,
        installation_id: InstallationId,
        vendor_id: int,
        idempotency_key: str,
        answer: StoredAnswer,
        at: datetime,
    ) -> None:
        """Insert; a concurrent request with the same key fails this one's commit."""
        self._connection.execute(
            insert(_requests).values(
                installation_id=installation_id,
                vendor_id=vendor_id,
                idempotency_key=idempotency_key,
                fingerprint=answer.fingerprint,
                status_code=answer.status,
                response=answer.body,
                created_at=at,
            )
        )

    def prune_answers(self, before: datetime) -> int:
        result = self._connection.execute(delete(_requests).where(_requests.c.created_at < before))
        return int(result.rowcount or 0)
