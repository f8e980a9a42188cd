"""A vendor's EDI trading-partner settings: X12 identifiers, separators and its SFTP account."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.domain.edi.x12 import Envelope, Separators, X12Error
from app.domain.errors import DomainValidationError

INBOUND_KINDS = ("997", "855", "856", "810")  # what a vendor may send back
QUALIFIERS = ("01", "08", "12", "14", "20", "27", "28", "29", "30", "33", "ZZ")
VERSIONS = ("004010",)
_ISA_ID = re.compile(r"^[A-Za-z0-9 ._-]{1,15}$")
_GS_CODE = re.compile(r"^[A-Za-z0-9 ._-]{2,15}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:]+\]?$")
_USER = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
_FOLDER = re.compile(r"^[A-Za-z0-9._/ -]{1,200}$")
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}$")


@dataclass(frozen=True)
class SftpAccount:
    """Where and how to reach the vendor's SFTP server; secrets are encrypted at rest."""

    host: str
    port: int = 22
    username: str = ""
    password: str = field(default="", repr=False)
    private_key: str = field(default="", repr=False)  # OpenSSH or PEM text
    host_key_fingerprint: str = ""  # "SHA256:..." once the merchant confirmed it
    timeout_seconds: float = 20.0


@dataclass(frozen=True)
class TradingPartner:
    vendor_id: int
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    application_sender: str
    application_receiver: str
    separators: Separators
    account: SftpAccount
    version: str = "004010"
    usage: str = "T"
    documents_back: frozenset[str] = frozenset(INBOUND_KINDS)
    inbound_folder: str = "/inbound"  # the vendor's folder we put POs into
    outbound_folder: str = "/outbound"  # the vendor's folder we take answers from
    archive_folder: str = "/archive"
    quarantine_folder: str = "/quarantine"
    mark_resends: bool = False  # a resend's BEG01 is "07" (duplicate) instead of "00"
    send_ship_date: bool = False  # DTM*010: the PO's date plus the vendor's lead time

    @property
    def envelope(self) -> Envelope:
        return Envelope(
            self.sender_qualifier,
            self.sender_id,
            self.receiver_qualifier,
            self.receiver_id,
            self.application_sender,
            self.application_receiver,
            self.usage,
            self.version,
        )

    @property
    def is_pinned(self) -> bool:
        return bool(self.account.host_key_fingerprint)

    def public_values(self) -> dict[str, object]:
        """What the settings form shows and the database keeps in plain text."""
        return {
            "sender_qualifier": self.sender_qualifier,
            "sender_id": self.sender_id,
            "receiver_qualifier": self.receiver_qualifier,
            "receiver_id": self.receiver_id,
            "application_sender": self.application_sender,
            "application_receiver": self.application_receiver,
            "element_separator": self.separators.element,
            "sub_element_separator": self.separators.sub_element,
            "segment_terminator": self.separators.segment,
            "version": self.version,
            "usage": self.usage,
            "documents_back": sorted(self.documents_back),
            "sftp_host": self.account.host,
            "sftp_port": self.account.port,
            "sftp_username": self.account.username,
            "inbound_folder": self.inbound_folder,
            "outbound_folder": self.outbound_folder,
            "archive_folder": self.archive_folder,
            "quarantine_folder": self.quarantine_folder,
            "mark_resends": self.mark_resends,
            "send_ship_date": self.send_ship_date,
        }


def _text(data: Mapping[str, object], key: str, default: str = "") -> str:
    return str(data.get(key) if data.get(key) is not None else default).strip()


def clean_trading_partner(
    data: Mapping[str, object],
    vendor_id: int,
    *,
    stored: TradingPartner | None = None,
) -> TradingPartner:
    """Validate the EDI settings form; every bad field is reported at once.

    An empty password or key keeps the stored one (the form never shows secrets); the pinned
    host key is never set by the form, and is dropped when the host or port changes."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, label in (("sender_qualifier", "ISA05"), ("receiver_qualifier", "ISA07")):
        values[key] = _text(data, key, "ZZ").upper()
        if values[key] not in QUALIFIERS:
            errors[key] = f"Choose an {label} qualifier: {', '.join(QUALIFIERS)}."
    for key in ("sender_id", "receiver_id"):
        values[key] = _text(data, key).upper()
        if not _ISA_ID.match(values[key]):
            errors[key] = "Use 1-15 letters, digits, spaces, '.', '_' or '-'."
    for key in ("application_sender", "application_receiver"):
        values[key] = _text(data, key).upper() or values.get(
            key.replace("application_", "") + "_id", ""
        )
        if not _GS_CODE.match(values[key]):
            errors[key] = "Use 2-15 letters, digits, spaces, '.', '_' or '-'."
    separators = Separators()
    try:
        separators = Separators(
            _text(data, "element_separator", "*")[:2] or "*",
            _text(data, "sub_element_separator", ">")[:2] or ">",
            _text(data, "segment_terminator", "~")[:2] or "~",
        )
        if any(not c.isascii() or not c.isprintable() for c in separators.all):
            raise X12Error("Use printable ASCII characters as separators.")
    except X12Error as error:
        errors["element_separator"] = str(error)
    version = _text(data, "version") or "004010"
    if version not in VERSIONS:
        errors["version"] = "Version 004010 is supported."
    usage = (_text(data, "usage") or "T").upper()
    if usage not in ("T", "P"):
        errors["usage"] = "Choose T (test) or P (production)."
    raw_back = data.get("documents_back", INBOUND_KINDS)
    back = (
        frozenset(re.split(r"[,\s]+", raw_back)) - {""}
        if isinstance(raw_back, str)
        else frozenset(str(x) for x in raw_back)  # type: ignore[attr-defined]
    )
    if not back <= set(INBOUND_KINDS):
        errors["documents_back"] = "Choose among 997, 855, 856 and 810."
    host = _text(data, "sftp_host")
    if not _HOST.match(host):
        errors["sftp_host"] = "Enter the SFTP server's host name."
    port = 22
    try:
        port = int(_text(data, "sftp_port", "22") or "22")
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        errors["sftp_port"] = "Use a port from 1 to 65535."
    username = _text(data, "sftp_username")
    if not _USER.match(username):
        errors["sftp_username"] = "Enter the SFTP user name (letters, digits, . _ @ + -)."
    password = str(data.get("sftp_password") or "")
    private_key = str(data.get("sftp_private_key") or "").strip()
    if private_key and "PRIVATE KEY" not in private_key:
        errors["sftp_private_key"] = "Paste the private key in OpenSSH or PEM form."
    if len(password) > 200 or len(private_key) > 20000:
        errors["sftp_password"] = "The password or key is too long."
    if stored is not None:
        password = password or stored.account.password
        private_key = private_key or stored.account.private_key
    if not password and not private_key:
        errors["sftp_password"] = "Enter the SFTP password or a private key."
    folders = {}
    for key, default in (
        ("inbound_folder", "/inbound"),
        ("outbound_folder", "/outbound"),
        ("archive_folder", "/archive"),
        ("quarantine_folder", "/quarantine"),
    ):
        folders[key] = _text(data, key, default) or default
        if not _FOLDER.match(folders[key]) or ".." in folders[key].split("/"):
            errors[key] = "Use a folder path of letters, digits, '.', '_', '-', ' ' and '/'."
    mark_resends, send_ship_date = (
        flag if isinstance(flag, bool) else str(flag).lower() in ("1", "on", "true")
        for flag in (data.get("mark_resends", False), data.get("send_ship_date", False))
    )
    if errors:
        raise DomainValidationError(errors)
    fingerprint = ""
    if stored is not None and (stored.account.host, stored.account.port) == (host, port):
        fingerprint = stored.account.host_key_fingerprint
    return TradingPartner(
        vendor_id=vendor_id,
        separators=separators,
        version=version,
        usage=usage,
        documents_back=back,
        account=SftpAccount(host, port, username, password, private_key, fingerprint),
        mark_resends=mark_resends,
        send_ship_date=send_ship_date,
        **values,
        **folders,
    )


def partner_from_values(
    vendor_id: int,
    values: Mapping[str, object],
    *,
    password: str,
    private_key: str,
    fingerprint: str,
) -> TradingPartner:
    """A stored partner (values as ``public_values`` wrote them), secrets already decrypted."""
    return TradingPartner(
        vendor_id=vendor_id,
        sender_qualifier=str(values["sender_qualifier"]),
        sender_id=str(values["sender_id"]),
        receiver_qualifier=str(values["receiver_qualifier"]),
        receiver_id=str(values["receiver_id"]),
        application_sender=str(values["application_sender"]),
        application_receiver=str(values["application_receiver"]),
        separators=Separators(
            str(values["element_separator"]),
            str(values["sub_element_separator"]),
            str(values["segment_terminator"]),
        ),
        version=str(values["version"]),
        usage=str(values["usage"]),
        documents_back=frozenset(str(x) for x in values["documents_back"]),  # type: ignore[attr-defined]
        account=SftpAccount(
            str(values["sftp_host"]),
            int(str(values["sftp_port"])),
            str(values["sftp_username"]),
            password,
            private_key,
            fingerprint,
        ),
        inbound_folder=str(values["inbound_folder"]),
        outbound_folder=str(values["outbound_folder"]),
        archive_folder=str(values["archive_folder"]),
        quarantine_folder=str(values["quarantine_folder"]),
        mark_resends=bool(values.get("mark_resends", False)),
        send_ship_date=bool(values.get("send_ship_date", False)),
    )


def check_fingerprint(fingerprint: str) -> str:
    if not _FINGERPRINT.match(fingerprint):
        raise DomainValidationError({"fingerprint": "Not a SHA256 host key fingerprint."})
    return fingerprint
