"""What a vendor gets with each PO and how they ship it (blind drop-shipping).

Per vendor: which documents go out (PO, packing slip or both), whether the PO shows prices,
the vendor's own file names, the map from the shop's shipping methods to the vendor's carrier
service codes, and the shop's own carrier accounts the vendor ships on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from app.domain.errors import DomainValidationError

MAX_MAP_ROWS = 50
MAX_FILE_NAME = 100
DEFAULT_FILE_NAME = "{document}-{po}"
_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CARRIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 &._-]{0,39}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,39}$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,39}$")


class DocumentSet(StrEnum):
    """Which documents a vendor receives with each PO."""

    PO = "po"
    PO_AND_SLIP = "po_and_slip"
    SLIP = "slip"

    @property
    def has_po(self) -> bool:
        return self is not DocumentSet.SLIP

    @property
    def has_slip(self) -> bool:
        return self is not DocumentSet.PO

    @property
    def label(self) -> str:
        return {"po": "PO only", "po_and_slip": "PO + packing slip", "slip": "Packing slip only"}[
            self.value
        ]


@dataclass(frozen=True)
class ServiceMapping:
    """The shop's shipping method (as Saleor names it) -> the vendor's carrier and service code."""

    shop_method: str
    carrier: str
    service_code: str


@dataclass(frozen=True)
class CarrierAccount:
    """The shop's own account with a carrier, for the vendor to ship on ("UPS 1234")."""

    carrier: str
    account_number: str


@dataclass(frozen=True)
class VendorShipping:
    documents: DocumentSet = DocumentSet.PO
    show_prices: bool = True
    file_name_pattern: str = ""
    service_map: tuple[ServiceMapping, ...] = ()
    carrier_accounts: tuple[CarrierAccount, ...] = ()

    @property
    def prices_visible(self) -> bool:
        """Prices reach the vendor only on a PO they receive with prices shown."""
        return self.documents.has_po and self.show_prices

    def file_name(self, document: str, po_number: str, order_number: str, extension: str) -> str:
        """The vendor's file name for a document ("PO" or "PackingSlip"), sanitised."""
        pattern = self.file_name_pattern or DEFAULT_FILE_NAME
        values = {"document": document, "po": po_number, "order": order_number}
        name = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), pattern)
        safe = _FILE_NAME_UNSAFE.sub("_", name).strip("._")[:MAX_FILE_NAME] or document
        return f"{safe}.{extension}"


@dataclass(frozen=True)
class ShippingInstructions:
    """How the vendor should ship one PO, as printed on every PO document."""

    requested_service: str
    ship_by: date | None
    carrier: str = ""
    service_code: str = ""
    account_number: str = ""

    @property
    def account_line(self) -> str:
        if not self.account_number:
            return ""
        return f"Ship on our {self.carrier} account {self.account_number}"


def shipping_instructions(
    requested_service: str, ship_by: date | None, shipping: VendorShipping
) -> ShippingInstructions:
    """The requested service, the vendor's code for it and the shop's account with that carrier."""
    wanted = requested_service.strip().casefold()
    mapping = next(
        (m for m in shipping.service_map if m.shop_method.casefold() == wanted and wanted), None
    )
    if mapping is None:
        return ShippingInstructions(requested_service, ship_by)
    account = next(
        (
            a.account_number
            for a in shipping.carrier_accounts
            if a.carrier.casefold() == mapping.carrier.casefold()
        ),
        "",
    )
    return ShippingInstructions(
        requested_service, ship_by, mapping.carrier, mapping.service_code, account
    )


def clean_vendor_shipping(data: Mapping[str, object], current: VendorShipping) -> VendorShipping:
    """Validate the vendor page's documents and shipping fields; absent fields stay as they are."""
    errors: dict[str, str] = {}
    shipping = current
    if "documents" in data:
        try:
            shipping = replace(shipping, documents=DocumentSet(str(data["documents"]).strip()))
        except ValueError:
            errors["documents"] = "Choose PO only, PO + packing slip or packing slip only."
    if "show_prices" in data:
        show = str(data["show_prices"]).strip().lower() in {"1", "true", "yes", "on"}
        shipping = replace(shipping, show_prices=show)
    if "file_name_pattern" in data:
        pattern = str(data["file_name_pattern"]).strip()
        unknown = set(_PLACEHOLDER.findall(pattern)) - {"document", "po", "order"}
        if len(pattern) > 60:
            errors["file_name_pattern"] = "Use at most 60 characters."
        elif pattern and (("{po}" not in pattern and "{order}" not in pattern) or unknown):
            errors["file_name_pattern"] = "Use {po} or {order}, and {document}, e.g. ACME_{po}."
        shipping = replace(shipping, file_name_pattern=pattern)
    if "service_map" in data:
        rows = _pairs(str(data["service_map"]), "service_map", errors)
        service_map = tuple(_mapping(left, right, errors) for left, right in rows)
        shipping = replace(shipping, service_map=service_map)
    if "carrier_accounts" in data:
        rows = _pairs(str(data["carrier_accounts"]), "carrier_accounts", errors)
        accounts = tuple(_account(left, right, errors) for left, right in rows)
        shipping = replace(shipping, carrier_accounts=accounts)
    if errors:
        raise DomainValidationError(errors)
    return shipping


def service_map_text(service_map: tuple[ServiceMapping, ...]) -> str:
    return "\n".join(f"{m.shop_method} = {m.carrier} {m.service_code}" for m in service_map)


def carrier_accounts_text(accounts: tuple[CarrierAccount, ...]) -> str:
    return "\n".join(f"{a.carrier} = {a.account_number}" for a in accounts)


def _pairs(text: str, key: str, errors: dict[str, str]) -> list[tuple[str, str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_MAP_ROWS:
        errors[key] = f"Use at most {MAX_MAP_ROWS} lines."
        return []
    pairs = []
    for number, line in enumerate(lines, start=1):
        left, equals, right = line.rpartition("=")
        if not equals or not left.strip() or not right.strip():
            errors.setdefault(key, f"Line {number}: write it as NAME = VALUE.")
            continue
        pairs.append((left.strip(), right.strip()))
    return pairs


def _mapping(method: str, target: str, errors: dict[str, str]) -> ServiceMapping:
    carrier, _, code = target.partition(" ")
    if len(method) > 200 or not _CARRIER.match(carrier) or not _CODE.match(code.strip() or "-"):
        errors.setdefault(
            "service_map", f"{method[:40]}: write it as Shop method = CARRIER SERVICE-CODE."
        )
    return ServiceMapping(method, carrier, code.strip())


def _account(carrier: str, number: str, errors: dict[str, str]) -> CarrierAccount:
    if not _CARRIER.match(carrier) or not _ACCOUNT.match(number):
        errors.setdefault(
            "carrier_accounts", "Write each as CARRIER = ACCOUNT (letters, digits, - and spaces)."
        )
    return CarrierAccount(carrier, number)
