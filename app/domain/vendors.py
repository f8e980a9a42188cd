"""Vendors, the products they drop-ship, and which vendor an order line goes to by default."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from app.domain.errors import DomainValidationError
from app.domain.money import Money, MoneyError, clean_currency, parse_amount
from app.domain.vendor_http import HttpEndpoint
from app.domain.vendor_shipping import VendorShipping

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


class IntegrationKind(StrEnum):
    """How a vendor receives purchase orders."""

    EMAIL = "email"
    MANUAL = "manual"
    EDI = "edi"
    HTTP = "http"

    @property
    def is_available(self) -> bool:
        return self in (
            IntegrationKind.EMAIL,
            IntegrationKind.MANUAL,
            IntegrationKind.EDI,
            IntegrationKind.HTTP,
        )

    @property
    def sends_automatically(self) -> bool:
        """The app sends POs over this kind's channel; manual vendors get them by hand."""
        return self is not IntegrationKind.MANUAL

    @property
    def sends_cancellations(self) -> bool:
        """A cancelled order's sent PO goes out again as a cancellation notice over the channel
        (EDI has no 860 yet: the merchant tells those vendors)."""
        return self in (IntegrationKind.EMAIL, IntegrationKind.HTTP)


class FileFormat(StrEnum):
    PDF = "pdf"
    CSV = "csv"
    BOTH = "both"

    @property
    def wants_pdf(self) -> bool:
        return self in (FileFormat.PDF, FileFormat.BOTH)

    @property
    def wants_csv(self) -> bool:
        return self in (FileFormat.CSV, FileFormat.BOTH)


@dataclass
class Vendor:
    name: str
    code: str
    currency: str
    integration: IntegrationKind = IntegrationKind.EMAIL
    emails_to: tuple[str, ...] = ()
    emails_cc: tuple[str, ...] = ()
    file_format: FileFormat = FileFormat.PDF
    lead_time_days: int = 0
    po_notes: str = ""
    active: bool = True
    id: int | None = None
    # Documents and shipping options, edited on the vendor page (not in the vendor CSV).
    shipping: VendorShipping = field(default_factory=VendorShipping)
    # HTTP vendors' endpoint and signing secret, edited on the vendor page (never in the CSV).
    http: HttpEndpoint = field(default_factory=HttpEndpoint)


def split_emails(raw: str | Iterable[str]) -> tuple[str, ...]:
    parts = re.split(r"[,;\s]+", raw) if isinstance(raw, str) else list(raw)
    return tuple(part.strip() for part in parts if part and part.strip())


def clean_vendor(data: Mapping[str, object], vendor_id: int | None = None) -> Vendor:
    """Validate a vendor form or CSV row; every bad field is reported at once."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "Enter the vendor's name."
    elif len(name) > 120:
        errors["name"] = "Use at most 120 characters."
    code = str(data.get("code") or "").strip().upper()
    if not _CODE.match(code):
        errors["code"] = "Use 1-20 letters, digits, - or _ (for example ACME)."
    currency = ""
    try:
        currency = clean_currency(str(data.get("currency") or ""))
    except MoneyError:
        errors["currency"] = "Use a 3-letter currency code such as USD."
    integration = IntegrationKind.EMAIL
    try:
        integration = IntegrationKind(str(data.get("integration") or "email").strip().lower())
        if not integration.is_available:
            errors["integration"] = f"{integration.value.upper()} vendors are not available yet."
    except ValueError:
        errors["integration"] = "Choose email, EDI, HTTP or manual."
    emails_to = split_emails(str(data.get("emails_to") or ""))
    emails_cc = split_emails(str(data.get("emails_cc") or ""))
    for key, emails in (("emails_to", emails_to), ("emails_cc", emails_cc)):
        bad = [email for email in emails if not _EMAIL.match(email)]
        if bad:
            errors[key] = f"Not an email address: {', '.join(bad)}."
    if integration is IntegrationKind.EMAIL and not emails_to and "emails_to" not in errors:
        errors["emails_to"] = "Email vendors need at least one order email."
    file_format = FileFormat.PDF
    try:
        file_format = FileFormat(str(data.get("file_format") or "pdf").strip().lower())
    except ValueError:
        errors["file_format"] = "Choose pdf, csv or both."
    lead_time = 0
    try:
        lead_time = int(str(data.get("lead_time_days") or "0").strip())
        if not 0 <= lead_time <= 365:
            raise ValueError
    except ValueError:
        errors["lead_time_days"] = "Use a whole number of days from 0 to 365."
    notes = str(data.get("po_notes") or "").strip()
    if len(notes) > 2000:
        errors["po_notes"] = "Use at most 2000 characters."
    active_raw = data.get("active", True)
    active = (
        active_raw
        if isinstance(active_raw, bool)
        else str(active_raw).lower() in {"1", "true", "yes", "on", "active"}
    )
    if errors:
        raise DomainValidationError(errors)
    return Vendor(
        id=vendor_id,
        name=name,
        code=code,
        currency=currency,
        integration=integration,
        emails_to=emails_to,
        emails_cc=emails_cc,
        file_format=file_format,
        lead_time_days=lead_time,
        po_notes=notes,
        active=active,
    )


@dataclass
class ProductVendor:
    """A vendor that can drop-ship a product (all its variants) or one variant of it."""

    vendor_id: int
    product_id: str
    unit_cost: Money
    vendor_sku: str = ""
    variant_id: str | None = None
    priority: int = 100
    min_quantity: int = 1
    is_default: bool = False
    id: int | None = None


def clean_product_vendor(
    data: Mapping[str, object], *, vendor_currency: str | None, product_vendor_id: int | None = None
) -> ProductVendor:
    """Validate a product-vendor form or CSV row (vendor, cost, priority, minimum quantity)."""
    errors: dict[str, str] = {}
    vendor_id = 0
    try:
        vendor_id = int(str(data.get("vendor_id") or ""))
    except ValueError:
        errors["vendor_id"] = "Choose a vendor."
    product_id = str(data.get("product_id") or "").strip()
    if not product_id:
        errors["product_id"] = "The product is missing."
    variant_id = str(data.get("variant_id") or "").strip() or None
    cost = Decimal("0")
    try:
        cost = parse_amount(str(data.get("unit_cost") or ""))
    except MoneyError:
        errors["unit_cost"] = "Enter the unit cost, such as 12.50."
    currency = str(data.get("cost_currency") or vendor_currency or "")
    try:
        currency = clean_currency(currency)
    except MoneyError:
        errors["cost_currency"] = "Use a 3-letter currency code such as USD."
    priority = _whole(data.get("priority"), 100, 1, 1000, "priority", errors)
    min_quantity = _whole(data.get("min_quantity"), 1, 1, 100000, "min_quantity", errors)
    vendor_sku = str(data.get("vendor_sku") or "").strip()
    if len(vendor_sku) > 64:
        errors["vendor_sku"] = "Use at most 64 characters."
    default_raw = data.get("is_default", False)
    is_default = (
        default_raw
        if isinstance(default_raw, bool)
        else str(default_raw).lower() in {"1", "true", "yes", "on"}
    )
    if errors:
        raise DomainValidationError(errors)
    return ProductVendor(
        id=product_vendor_id,
        vendor_id=vendor_id,
        product_id=product_id,
        variant_id=variant_id,
        vendor_sku=vendor_sku,
        unit_cost=Money(cost, currency),
        priority=priority,
        min_quantity=min_quantity,
        is_default=is_default,
    )


def _whole(raw: object, default: int, low: int, high: int, key: str, errors: dict[str, str]) -> int:
    text = str(raw).strip() if raw not in (None, "") else str(default)
    try:
        value = int(text)
        if not low <= value <= high:
            raise ValueError
        return value
    except ValueError:
        errors[key] = f"Use a whole number from {low} to {high}."
        return default


@dataclass(frozen=True)
class VendorOption:
    """A product vendor with its vendor, as offered for one order line."""

    product_vendor: ProductVendor
    vendor: Vendor

    @property
    def vendor_id(self) -> int:
        return self.product_vendor.vendor_id


@dataclass(frozen=True)
class LineNeed:
    product_id: str | None
    variant_id: str | None
    quantity: int


def options_for(line: LineNeed, product_vendors: Iterable[VendorOption]) -> list[VendorOption]:
    """The vendors that can ship this line, best first; one entry per vendor.

    A variant-specific entry replaces the product-wide entry of the same vendor.
    """
    by_vendor: dict[int, VendorOption] = {}
    for option in product_vendors:
        entry = option.product_vendor
        if entry.product_id != line.product_id:
            continue
        if entry.variant_id is not None and entry.variant_id != line.variant_id:
            continue
        current = by_vendor.get(entry.vendor_id)
        if current is None or (
            entry.variant_id is not None and current.product_vendor.variant_id is None
        ):
            by_vendor[entry.vendor_id] = option
    return sorted(by_vendor.values(), key=_rank)


def _rank(option: VendorOption) -> tuple[int, int, int, str]:
    entry = option.product_vendor
    return (
        0 if entry.is_default else 1,
        entry.priority,
        0 if entry.variant_id else 1,
        option.vendor.name,
    )


def choose_default_vendor(
    line: LineNeed, product_vendors: Iterable[VendorOption]
) -> VendorOption | None:
    """Default flag first, then priority; skip inactive vendors and unmet minimum quantities."""
    for option in options_for(line, product_vendors):
        if option.vendor.active and line.quantity >= option.product_vendor.min_quantity:
            return option
    return None


@dataclass
class VendorImportReport:
    """Per-row outcome of a CSV import: nothing is written unless ``errors`` is empty."""

    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
