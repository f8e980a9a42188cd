"""Vendor portal links: found by the SHA-256 of their token; the token itself is kept
encrypted so the merchant can copy the link again and a resend carries the same one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.utc import as_utc
from app.domain.installations import InstallationId
from app.domain.portal_links import PortalLink, PortalLinkKind

_links = tables.portal_links


def _link(row: Any) -> PortalLink:
    expires_at = as_utc(row.expires_at)
    created_at = as_utc(row.created_at)
    assert expires_at is not None and created_at is not None
    return PortalLink(
        id=row.id,
        kind=PortalLinkKind(row.kind),
        vendor_id=row.vendor_id,
        purchase_order_id=row.purchase_order_id,
        token_hash=row.token_hash,
        created_at=created_at,
        expires_at=expires_at,
        revoked_at=as_utc(row.revoked_at),
    )


class SqlPortalLinkRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def add(self, installation_id: InstallationId, link: PortalLink, token: str) -> PortalLink:
        link.id = self._connection.execute(
            insert(_links)
            .values(
                installation_id=installation_id,
                kind=link.kind.value,
                purchase_order_id=link.purchase_order_id,
                vendor_id=link.vendor_id,
                token_hash=link.token_hash,
                token_encrypted=self._cipher.encrypt(token),
                created_at=link.created_at,
                expires_at=link.expires_at,
                revoked_at=link.revoked_at,
            )
            .returning(_links.c.id)
        ).scalar_one()
        return link

    def find(self, token_hash: str) -> tuple[InstallationId, PortalLink] | None:
        """The link with this token hash, whichever shop it belongs to (the token says)."""
        row = self._connection.execute(
            select(_links).where(_links.c.token_hash == token_hash)
        ).first()
        return None if row is None else (InstallationId(row.installation_id), _link(row))

    def usable(
        self,
        installation_id: InstallationId,
        kind: PortalLinkKind,
        *,
        subject_ids: Iterable[int],
        now: datetime,
    ) -> dict[int, tuple[PortalLink, str]]:
        """The newest usable link (and its token) per PO id (kind po) or vendor id (vendor)."""
        ids = list(subject_ids)
        if not ids:
            return {}
        column = _links.c.purchase_order_id if kind is PortalLinkKind.PO else _links.c.vendor_id
        rows = self._connection.execute(
            select(_links)
            .where(
                _links.c.installation_id == installation_id,
                _links.c.kind == kind.value,
                column.in_(ids),
                _links.c.revoked_at.is_(None),
                _links.c.expires_at > now,
            )
            .order_by(_links.c.id)
        ).all()
        found: dict[int, tuple[PortalLink, str]] = {}
        for row in rows:  # the newest wins
            link = _link(row)
            key = link.purchase_order_id if kind is PortalLinkKind.PO else link.vendor_id
            assert key is not None
            found[key] = (link, self._cipher.decrypt(row.token_encrypted))
        return found

    def revoke(
        self, installation_id: InstallationId, kind: PortalLinkKind, subject_id: int, now: datetime
    ) -> int:
        """Revoke every link of this PO (kind po) or this vendor's account links (vendor)."""
        column = _links.c.purchase_order_id if kind is PortalLinkKind.PO else _links.c.vendor_id
        result = self._connection.execute(
            update(_links)
            .where(
                _links.c.installation_id == installation_id,
                _links.c.kind == kind.value,
                column == subject_id,
                _links.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return int(result.rowcount or 0)
