"""What the EDI services need: the SFTP transport and the EDI tables, with their errors."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from app.domain.edi.log import DocumentStatus, EdiDocument
from app.domain.edi.partners import SftpAccount, TradingPartner
from app.domain.installations import InstallationId
from app.errors import Permanent, Retryable


class SftpUnavailable(Retryable):
    """The SFTP server could not be reached, timed out or dropped the connection."""


class SftpRefused(Permanent):
    """The server refused our login or an operation (permissions, missing folder)."""


class HostKeyUnknown(SftpRefused):
    """No host key is pinned yet: the merchant confirms ``fingerprint`` on the vendor page."""

    def __init__(self, fingerprint: str) -> None:
        super().__init__(
            f"The server's host key is {fingerprint}: confirm it on the vendor's EDI page."
        )
        self.fingerprint = fingerprint


class HostKeyChanged(SftpRefused):
    """The server presented another key than the pinned one: nothing was sent to it."""

    def __init__(self, pinned: str, presented: str) -> None:
        super().__init__(
            f"The server's host key changed (pinned {pinned}, presented {presented}): refused. "
            "If the vendor confirms the new key, pin it again on the vendor's EDI page."
        )
        self.presented = presented


class SftpSession(Protocol):
    """One logged-in connection; paths are folder + name."""

    def list_files(self, folder: str) -> list[str]:
        """Regular files in ``folder``, by name (no subfolders, no hidden files)."""
        ...

    def read(self, folder: str, name: str, max_bytes: int) -> bytes: ...

    def upload(self, folder: str, name: str, data: bytes) -> None:
        """Atomically: written under a temporary name, then renamed. An existing file of the
        same name and content counts as uploaded (a retry after a crash)."""
        ...

    def move(self, folder: str, name: str, to_folder: str) -> None:
        """Move a file; a name taken in ``to_folder`` gets a suffix."""
        ...

    def remove(self, folder: str, name: str) -> None: ...


class SftpTransport(Protocol):
    def connect(self, account: SftpAccount) -> AbstractContextManager[SftpSession]:
        """Log in, checking the pinned host key first (``HostKeyUnknown``/``HostKeyChanged``
        before any credential is sent)."""
        ...

    def fetch_host_key(self, account: SftpAccount) -> str:
        """The server's host key fingerprint ("SHA256:..."), without logging in."""
        ...


class EdiRepository(Protocol):
    def get_partner(
        self, installation_id: InstallationId, vendor_id: int
    ) -> TradingPartner | None: ...

    def save_partner(self, installation_id: InstallationId, partner: TradingPartner) -> None: ...

    def pin_host_key(
        self, installation_id: InstallationId, vendor_id: int, fingerprint: str
    ) -> None: ...

    def next_control_number(self, installation_id: InstallationId, vendor_id: int) -> int:
        """The partner's next control number (atomic: one row update, never handed out twice)."""
        ...

    def partners_to_poll(self) -> list[tuple[InstallationId, int]]:
        """(installation, vendor) of every active EDI vendor of an active installation."""
        ...

    def record_poll(
        self, installation_id: InstallationId, vendor_id: int, at: datetime, error: str
    ) -> None: ...

    def last_poll(
        self, installation_id: InstallationId, vendor_id: int
    ) -> tuple[datetime | None, str]: ...

    def add_document(
        self, installation_id: InstallationId, document: EdiDocument
    ) -> EdiDocument | None:
        """Store a document; None when this inbound file (name + content) is already stored."""
        ...

    def find_inbound(
        self, installation_id: InstallationId, vendor_id: int, filename: str, sha256: str
    ) -> EdiDocument | None: ...

    def by_send_key(self, installation_id: InstallationId, key: str) -> EdiDocument | None: ...

    def outbound_by_control(
        self, installation_id: InstallationId, vendor_id: int, kind: str, control_number: int
    ) -> EdiDocument | None: ...

    def set_status(
        self,
        installation_id: InstallationId,
        document_id: int,
        status: DocumentStatus,
        error: str = "",
    ) -> None: ...

    def get_document(
        self, installation_id: InstallationId, document_id: int
    ) -> EdiDocument | None: ...

    def list_documents(
        self, installation_id: InstallationId, vendor_id: int, limit: int = 100
    ) -> list[EdiDocument]: ...

    def unsent_answers(self, installation_id: InstallationId, vendor_id: int) -> list[EdiDocument]:
        """Outbound 997s written but not uploaded yet."""
        ...
