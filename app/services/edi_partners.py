"""A vendor's EDI page: trading-partner settings, the SFTP host key, "Send test", the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.edi.log import EdiDocument
from app.domain.edi.partners import INBOUND_KINDS, TradingPartner, check_fingerprint
from app.domain.edi.partners import clean_trading_partner as _clean
from app.domain.errors import DomainValidationError
from app.domain.installations import InstallationId
from app.domain.vendors import Vendor
from app.errors import NotFound
from app.services.edi_ports import SftpTransport
from app.services.forms import FormInvalid, refuse_control_characters
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

NEW_PARTNER: dict[str, object] = {
    "sender_qualifier": "ZZ",
    "receiver_qualifier": "ZZ",
    "element_separator": "*",
    "sub_element_separator": ">",
    "segment_terminator": "~",
    "version": "004010",
    "usage": "T",
    "documents_back": list(INBOUND_KINDS),
    "sftp_port": 22,
    "inbound_folder": "/inbound",
    "outbound_folder": "/outbound",
    "archive_folder": "/archive",
    "quarantine_folder": "/quarantine",
}


@dataclass(frozen=True)
class EdiPage:
    vendor: Vendor
    partner: TradingPartner | None
    values: dict[str, object]
    documents: list[EdiDocument]
    last_poll_at: datetime | None
    last_poll_error: str

    @property
    def quarantined(self) -> list[EdiDocument]:
        return [d for d in self.documents if d.status.value == "quarantined"]


def _vendor(uow: UnitOfWork, installation_id: InstallationId, vendor_id: int) -> Vendor:
    vendor = uow.vendors.get(installation_id, vendor_id)
    if vendor is None:
        raise NotFound("This vendor does not exist.")
    return vendor


def edi_page(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> EdiPage:
    with uow_factory() as uow:
        vendor = _vendor(uow, installation_id, vendor_id)
        partner = uow.edi.get_partner(installation_id, vendor_id)
        documents = uow.edi.list_documents(installation_id, vendor_id)
        polled_at, poll_error = uow.edi.last_poll(installation_id, vendor_id)
    values = dict(partner.public_values()) if partner else dict(NEW_PARTNER)
    return EdiPage(vendor, partner, values, documents, polled_at, poll_error)


def save_edi_settings(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    vendor_id: int,
    data: Mapping[str, object],
) -> TradingPartner:
    """Store the settings; an empty password or key keeps the stored one (never shown)."""
    refuse_control_characters(data, multiline=("sftp_private_key",))
    with uow_factory() as uow:
        _vendor(uow, installation_id, vendor_id)
        stored = uow.edi.get_partner(installation_id, vendor_id)
        try:
            partner = _clean(data, vendor_id, stored=stored)
        except DomainValidationError as error:
            raise FormInvalid.from_domain(error) from None
        uow.edi.save_partner(installation_id, partner)
        uow.commit()
    return partner


def _partner(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, vendor_id: int
) -> TradingPartner:
    with uow_factory() as uow:
        _vendor(uow, installation_id, vendor_id)
        partner = uow.edi.get_partner(installation_id, vendor_id)
    if partner is None:
        raise FormInvalid({"sftp_host": "Save the EDI settings first."})
    return partner


def fetch_edi_host_key(
    uow_factory: UnitOfWorkFactory,
    sftp: SftpTransport,
    installation_id: InstallationId,
    vendor_id: int,
) -> str:
    """The fingerprint the vendor's server presents now (to compare and confirm); no login."""
    return sftp.fetch_host_key(_partner(uow_factory, installation_id, vendor_id).account)


def pin_edi_host_key(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    vendor_id: int,
    fingerprint: str,
) -> None:
    """The merchant confirmed this fingerprint with the vendor: from now on only it is trusted."""
    try:
        check_fingerprint(fingerprint.strip())
    except DomainValidationError as error:
        raise FormInvalid.from_domain(error) from None
    _partner(uow_factory, installation_id, vendor_id)
    with uow_factory() as uow:
        uow.edi.pin_host_key(installation_id, vendor_id, fingerprint.strip())
        uow.commit()


def send_edi_test(
    uow_factory: UnitOfWorkFactory,
    sftp: SftpTransport,
    installation_id: InstallationId,
    vendor_id: int,
) -> str:
    """Log in and upload a small file to the inbound folder (then remove it): proves both."""
    partner = _partner(uow_factory, installation_id, vendor_id)
    name = f"dropship-test-{datetime.now(UTC):%Y%m%d%H%M%S}.txt"
    with sftp.connect(partner.account) as session:
        session.upload(partner.inbound_folder, name, b"Connection test from Saleor Drop-ship.\n")
        listed = name in session.list_files(partner.inbound_folder)
        session.remove(partner.inbound_folder, name)
        session.list_files(partner.outbound_folder)
    seen = "and listed it" if listed else "(the server hides it at once)"
    return (
        f"Logged in as {partner.account.username}, uploaded {name} to "
        f"{partner.inbound_folder} {seen}, removed it, and read {partner.outbound_folder}."
    )


def edi_document(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, document_id: int
) -> EdiDocument:
    with uow_factory() as uow:
        document = uow.edi.get_document(installation_id, document_id)
    if document is None:
        raise NotFound("This EDI document does not exist.")
    return document
