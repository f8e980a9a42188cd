"""EDI trading partners and the document log (tables edi_partners and edi_documents)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from app.adapters.crypto import TokenCipher
from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.domain.edi.log import Direction, DocumentStatus, EdiDocument
from app.domain.edi.partners import TradingPartner, partner_from_values
from app.domain.installations import InstallationId

_partners = tables.edi_partners
_documents = tables.edi_documents


def _document(row: Any) -> EdiDocument:
    return EdiDocument(
        id=row.id,
        vendor_id=row.vendor_id,
        direction=Direction(row.direction),
        kind=row.kind,
        status=DocumentStatus(row.status),
        filename=row.filename,
        content_sha256=row.content_sha256,
        raw=row.raw,
        created_at=row.created_at,
        control_number=row.control_number,
        purchase_order_id=row.purchase_order_id,
        po_number=row.po_number,
        send_key=row.send_key,
        error=row.error,
        details=dict(row.details or {}),
    )


class SqlEdiRepository:
    def __init__(self, connection: Connection, cipher: TokenCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    def _where(self, installation_id: InstallationId, vendor_id: int) -> Any:
        return and_(
            _partners.c.installation_id == installation_id, _partners.c.vendor_id == vendor_id
        )

    def get_partner(self, installation_id: InstallationId, vendor_id: int) -> TradingPartner | None:
        row = self._connection.execute(
            select(_partners).where(self._where(installation_id, vendor_id))
        ).first()
        if row is None:
            return None
        decrypt = self._cipher.decrypt
        return partner_from_values(
            vendor_id,
            row.settings,
            password=decrypt(row.sftp_password_encrypted) if row.sftp_password_encrypted else "",
            private_key=(
                decrypt(row.sftp_private_key_encrypted) if row.sftp_private_key_encrypted else ""
            ),
            fingerprint=row.host_key_fingerprint or "",
        )

    def save_partner(self, installation_id: InstallationId, partner: TradingPartner) -> None:
        account = partner.account
        values = {
            "settings": partner.public_values(),
            "sftp_password_encrypted": (
                self._cipher.encrypt(account.password) if account.password else None
            ),
            "sftp_private_key_encrypted": (
                self._cipher.encrypt(account.private_key) if account.private_key else None
            ),
            "host_key_fingerprint": account.host_key_fingerprint or None,
            "updated_at": datetime.now(UTC),
        }
        updated = self._connection.execute(
            update(_partners)
            .where(self._where(installation_id, partner.vendor_id))
            .values(**values)
        )
        if not updated.rowcount:
            self._connection.execute(
                insert(_partners).values(
                    installation_id=installation_id, vendor_id=partner.vendor_id, **values
                )
            )

    def pin_host_key(
        self, installation_id: InstallationId, vendor_id: int, fingerprint: str
    ) -> None:
        self._connection.execute(
            update(_partners)
            .where(self._where(installation_id, vendor_id))
            .values(host_key_fingerprint=fingerprint or None, updated_at=datetime.now(UTC))
        )

    def next_control_number(self, installation_id: InstallationId, vendor_id: int) -> int:
        number = self._connection.execute(
            update(_partners)
            .where(self._where(installation_id, vendor_id))
            .values(last_control_number=_partners.c.last_control_number + 1)
            .returning(_partners.c.last_control_number)
        ).scalar_one()
        return int(number)

    def partners_to_poll(self) -> list[tuple[InstallationId, int]]:
        vendors, installations = tables.vendors, tables.installations
        rows = self._connection.execute(
            select(_partners.c.installation_id, _partners.c.vendor_id)
            .join(vendors, vendors.c.id == _partners.c.vendor_id)
            .join(installations, installations.c.id == _partners.c.installation_id)
            .where(
                vendors.c.integration == "edi",
                vendors.c.active.is_(True),
                installations.c.status == "active",
            )
            .order_by(_partners.c.id)
        )
        return [(InstallationId(row.installation_id), row.vendor_id) for row in rows]

    def record_poll(
        self, installation_id: InstallationId, vendor_id: int, at: datetime, error: str
    ) -> None:
        self._connection.execute(
            update(_partners)
            .where(self._where(installation_id, vendor_id))
            .values(last_poll_at=at, last_poll_error=error or None)
        )

    def last_poll(
        self, installation_id: InstallationId, vendor_id: int
    ) -> tuple[datetime | None, str]:
        row = self._connection.execute(
            select(_partners.c.last_poll_at, _partners.c.last_poll_error).where(
                self._where(installation_id, vendor_id)
            )
        ).first()
        return (None, "") if row is None else (row.last_poll_at, row.last_poll_error or "")

    def add_document(
        self, installation_id: InstallationId, document: EdiDocument
    ) -> EdiDocument | None:
        values = {
            "installation_id": installation_id,
            "vendor_id": document.vendor_id,
            "direction": document.direction.value,
            "kind": document.kind,
            "control_number": document.control_number,
            "purchase_order_id": document.purchase_order_id,
            "po_number": document.po_number[:60],
            "status": document.status.value,
            "send_key": document.send_key,
            "filename": document.filename[:255],
            "content_sha256": document.content_sha256,
            "raw": document.raw,
            "error": document.error,
            "details": document.details,
            "created_at": document.created_at,
        }
        result = self._connection.execute(
            insert_ignoring_conflicts(self._connection, _documents)
            .values(**values)
            .returning(_documents.c.id)
        ).first()
        if result is None:
            return None
        document.id = result.id
        return document

    def _one(self, *conditions: Any) -> EdiDocument | None:
        row = self._connection.execute(
            select(_documents).where(*conditions).order_by(_documents.c.id.desc()).limit(1)
        ).first()
        return None if row is None else _document(row)

    def find_inbound(
        self, installation_id: InstallationId, vendor_id: int, filename: str, sha256: str
    ) -> EdiDocument | None:
        return self._one(
            _documents.c.installation_id == installation_id,
            _documents.c.vendor_id == vendor_id,
            _documents.c.direction == Direction.IN.value,
            _documents.c.filename == filename,
            _documents.c.content_sha256 == sha256,
        )

    def by_send_key(self, installation_id: InstallationId, key: str) -> EdiDocument | None:
        return self._one(
            _documents.c.installation_id == installation_id, _documents.c.send_key == key
        )

    def outbound_by_control(
        self, installation_id: InstallationId, vendor_id: int, kind: str, control_number: int
    ) -> EdiDocument | None:
        return self._one(
            _documents.c.installation_id == installation_id,
            _documents.c.vendor_id == vendor_id,
            _documents.c.direction == Direction.OUT.value,
            _documents.c.kind == kind,
            _documents.c.control_number == control_number,
        )

    def set_status(
        self,
        installation_id: InstallationId,
        document_id: int,
        status: DocumentStatus,
        error: str = "",
    ) -> None:
        self._connection.execute(
            update(_documents)
            .where(_documents.c.installation_id == installation_id, _documents.c.id == document_id)
            .values(status=status.value, error=error)
        )

    def get_document(self, installation_id: InstallationId, document_id: int) -> EdiDocument | None:
        return self._one(
            _documents.c.installation_id == installation_id, _documents.c.id == document_id
        )

    def list_documents(
        self, installation_id: InstallationId, vendor_id: int, limit: int = 100
    ) -> list[EdiDocument]:
        rows = self._connection.execute(
            select(_documents)
            .where(
                _documents.c.installation_id == installation_id,
                _documents.c.vendor_id == vendor_id,
            )
            .order_by(_documents.c.id.desc())
            .limit(limit)
        )
        return [_document(row) for row in rows]

    def unsent_answers(self, installation_id: InstallationId, vendor_id: int) -> list[EdiDocument]:
        rows = self._connection.execute(
            select(_documents)
            .where(
                _documents.c.installation_id == installation_id,
                _documents.c.vendor_id == vendor_id,
                _documents.c.direction == Direction.OUT.value,
                _documents.c.kind == "997",
                _documents.c.status == DocumentStatus.PENDING.value,
            )
            .order_by(_documents.c.id)
        )
        return [_document(row) for row in rows]
