"""POs to EDI vendors: one X12 850 interchange per send, uploaded to the vendor's SFTP folder.

The interchange is written once per send (the outbound attempt's idempotency key) and stored
before the upload: every retry of that send, after an outage or a worker killed mid-upload,
uploads the same bytes under the same file name, never a second interchange.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.edi.documents import DUPLICATE, ORIGINAL, Buyer, write_850
from app.domain.edi.log import Direction, DocumentStatus, EdiDocument
from app.domain.edi.partners import TradingPartner
from app.domain.edi.x12 import X12Error, write_interchange
from app.domain.installations import InstallationId
from app.domain.purchase_orders import POStatus
from app.services.channels import SendRefused
from app.services.edi_ports import SftpTransport
from app.services.ports import PurchaseOrderMessage
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


def file_name(kind: str, reference: str, control_number: int) -> str:
    """``850-1042-1-000000007.x12``: unique per partner (the control number), safe on any FS."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", reference)[:60] if reference else ""
    return f"{kind}-{safe + '-' if safe else ''}{control_number:09d}.x12"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_partner(
    uow: UnitOfWork, installation_id: InstallationId, vendor_id: int
) -> TradingPartner:
    partner = uow.edi.get_partner(installation_id, vendor_id)
    if partner is None:
        raise SendRefused("This vendor's EDI settings are missing: fill in its EDI page.")
    if not partner.is_pinned:
        raise SendRefused(
            "This vendor's SFTP host key is not confirmed yet: check the connection on its EDI "
            "page and confirm the fingerprint."
        )
    return partner


@dataclass(frozen=True)
class _Prepared:
    partner: TradingPartner
    document: EdiDocument


class EdiChannel:
    """Implements PurchaseOrderChannel for EDI vendors."""

    via = "edi"

    def __init__(self, uow_factory: UnitOfWorkFactory, sftp: SftpTransport) -> None:
        self._uow_factory = uow_factory
        self._sftp = sftp

    def _prepare(self, message: PurchaseOrderMessage) -> _Prepared:
        """The stored interchange of this send, or a new one (committed before any upload)."""
        installation_id = InstallationId(message.installation_id)
        vendor_id = message.vendor.id or 0
        with self._uow_factory() as uow:
            partner = load_partner(uow, installation_id, vendor_id)
            stored = uow.edi.by_send_key(installation_id, message.idempotency_key)
            if stored is not None:
                return _Prepared(partner, stored)
            control = uow.edi.next_control_number(installation_id, vendor_id)
            now = datetime.now(UTC)
            buyer = Buyer(message.settings.shop_name, message.settings.merchant_email)
            try:
                resend = partner.mark_resends and message.po.revision > 0
                purpose = DUPLICATE if resend else ORIGINAL
                ship_by = None
                if partner.send_ship_date:
                    ordered = message.po.created_at or now
                    ship_by = (ordered + timedelta(days=message.vendor.lead_time_days)).date()
                body = write_850(message.po, buyer, partner.separators, now, purpose, ship_by)
                text = write_interchange(
                    partner.envelope, partner.separators, control, now, [("850", body)]
                )
            except X12Error as error:
                raise SendRefused(f"The PO cannot be written as an X12 850: {error}") from None
            document = EdiDocument(
                vendor_id=vendor_id,
                direction=Direction.OUT,
                kind="850",
                status=DocumentStatus.PENDING,
                filename=file_name("850", message.po.number, control),
                content_sha256=content_hash(text.encode("ascii")),
                raw=text,
                created_at=now,
                control_number=control,
                purchase_order_id=message.po.id,
                po_number=message.po.number,
                send_key=message.idempotency_key,
            )
            uow.edi.add_document(installation_id, document)
            uow.commit()
        return _Prepared(partner, document)

    def send(self, message: PurchaseOrderMessage) -> None:
        """Raises ``SendRefused``/``SftpRefused`` (permanent) or ``SftpUnavailable`` (retry)."""
        if message.po.status is POStatus.CANCEL_REQUESTED:  # an 850 again would re-order it
            raise SendRefused(
                "EDI vendors cannot be sent a cancellation yet (an X12 860): tell the vendor,"
                " then press Cancellation confirmed."
            )
        if message.po.is_amended:  # an 850 with other quantities would be a second order
            raise SendRefused(
                "This PO was amended after it was sent: EDI vendors need a PO change (an X12"
                " 860), which cannot be sent yet. Send the amended PO (PDF or CSV) by hand."
            )
        prepared = self._prepare(message)
        partner, document = prepared.partner, prepared.document
        with self._sftp.connect(partner.account) as session:
            session.upload(partner.inbound_folder, document.filename, document.raw.encode("ascii"))
        with self._uow_factory() as uow:
            if document.status is DocumentStatus.PENDING and document.id is not None:
                uow.edi.set_status(
                    InstallationId(message.installation_id), document.id, DocumentStatus.SENT
                )
            uow.commit()
