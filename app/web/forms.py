"""Request parsing for the dashboard pages: posted fields in, primitives out.

Values go to the services as strings (the domain's ``clean_*`` functions validate them and
report one message per field); this module only reads the request, normalises checkboxes,
line endings and uploads, and turns stored records back into form values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from flask import request

from app.domain.money import quantize
from app.domain.vendor_http import DEFAULT_TIMEOUT_SECONDS
from app.domain.vendor_shipping import carrier_accounts_text, service_map_text
from app.domain.vendors import Vendor, VendorOption
from app.errors import NotFound
from app.services.forms import CONTROL_CHARACTER_MESSAGE, FormInvalid
from app.web.dashboard_origins import is_origin

VENDOR_FIELDS = (
    "name",
    "code",
    "currency",
    "integration",
    "emails_to",
    "emails_cc",
    "file_format",
    "lead_time_days",
    "po_notes",
    "http_url",
    "http_timeout_seconds",
)
VENDOR_SHIPPING_FIELDS = ("documents", "show_prices", "file_name_pattern")
VENDOR_SHIPPING_TEXTS = ("service_map", "carrier_accounts")
MAX_VENDOR_SHIPPING_TEXT = 8000
SETTINGS_FIELDS = (
    "shop_name",
    "merchant_email",
    "po_number_pattern",
    "smtp_host",
    "smtp_port",
    "smtp_username",
    "smtp_security",
    "smtp_sender",
    "dropship_warehouse_id",
)
SETTINGS_FLAGS = (
    "notify_customer",
    "approve_fulfilments",
    "late_digest",
    "vendor_reminders",
    "smtp_password_clear",
)
SETTINGS_TEMPLATES = ("email_subject_template", "email_body_template", "po_template_html")
PRODUCT_VENDOR_FIELDS = (
    "vendor_id",
    "variant_id",
    "vendor_sku",
    "unit_cost",
    "priority",
    "min_quantity",
)
MAX_CSV_BYTES = 2 * 1024 * 1024
NEW_VENDOR = {
    "integration": "email",
    "http_timeout_seconds": str(DEFAULT_TIMEOUT_SECONDS),
    "file_format": "pdf",
    "lead_time_days": "0",
    "active": True,
    "documents": "po",
    "show_prices": "1",
}
NEW_PRODUCT_VENDOR = {"priority": "100", "min_quantity": "1"}

_CHECKED = {"on", "1", "true", "yes"}
_CSV_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_fields(names: Iterable[str]) -> dict[str, str]:
    """Posted single-line fields, trimmed; a missing field is empty."""
    return {name: request.form.get(name, "").strip() for name in names}


def multiline(name: str) -> str:
    """A textarea as typed, with the browser's CRLF line endings turned into LF."""
    return request.form.get(name, "").replace("\r\n", "\n")


def checkbox(name: str) -> bool:
    """Browsers leave unchecked boxes out of the form, so absent means False."""
    return request.form.get(name, "").strip().lower() in _CHECKED


def record_id(name: str) -> int:
    """A posted id; anything but digits names no record."""
    raw = request.form.get(name, "").strip()
    if not raw.isdigit():
        raise NotFound("This record does not exist.")
    return int(raw)


def dashboard_origin() -> str:
    """The Dashboard's origin carried by POST-widget forms (their referrer is the app)."""
    value = request.form.get("dashboardOrigin", "").strip()
    return value if is_origin(value) else ""


def vendor_form() -> dict[str, object]:
    data: dict[str, object] = dict(text_fields(VENDOR_FIELDS))
    data["po_notes"] = multiline("po_notes").strip()
    data["active"] = checkbox("active")
    # Documents and shipping (app_pages/_vendor_documents.html); absent: left as stored.
    for name in VENDOR_SHIPPING_FIELDS:
        if name in request.form:
            data[name] = request.form[name].strip()[:60]
    for name in VENDOR_SHIPPING_TEXTS:
        if name in request.form:
            data[name] = multiline(name)[:MAX_VENDOR_SHIPPING_TEXT]
    return data


def settings_form() -> dict[str, str]:
    """Every settings field; the password is taken as typed (empty keeps the stored one)."""
    data = text_fields(SETTINGS_FIELDS)
    data.update({name: multiline(name) for name in SETTINGS_TEMPLATES})
    data["smtp_password"] = request.form.get("smtp_password", "")
    # Selects with "1"/"0" and the vendor link lifetime: absent only on an outdated form.
    for flag in (*SETTINGS_FLAGS, "portal_link_days"):
        if flag in request.form:
            data[flag] = request.form[flag]
    return data


def product_vendor_form(product_id: str) -> dict[str, object]:
    data: dict[str, object] = dict(text_fields(PRODUCT_VENDOR_FIELDS))
    data["product_id"] = product_id
    data["is_default"] = checkbox("is_default")
    return data


def csv_upload(file_field: str = "file", text_field: str = "text") -> str:
    """The CSV from an uploaded file, or else from the pasted text (UTF-8, BOM allowed)."""
    upload = request.files.get(file_field)
    raw = upload.stream.read(MAX_CSV_BYTES + 1) if upload and upload.filename else b""
    if len(raw) > MAX_CSV_BYTES:
        raise FormInvalid({"file": "The file is larger than 2 MB: split it and import each part."})
    if raw:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormInvalid({"file": "Save the file as CSV in UTF-8 and try again."}) from None
        return _without_control_characters(text)
    text = _without_control_characters(request.form.get(text_field, "").replace("\r\n", "\n"))
    if not text.strip():
        raise FormInvalid({"file": "Choose a CSV file or paste its rows."})
    return text


# Fields the services check (refuse_control_characters), answering with a field error.
CHECKED_FIELDS = frozenset(
    (*VENDOR_FIELDS, *SETTINGS_FIELDS, *SETTINGS_TEMPLATES, *PRODUCT_VENDOR_FIELDS, "text")
)


FORM_MIMETYPES = frozenset(("application/x-www-form-urlencoded", "multipart/form-data"))


def refuse_control_characters() -> None:
    """Every other posted field (reasons, tracking numbers, ids, …): NUL and other control
    characters but tab and line breaks are refused (400, naming the field). Only form bodies
    have fields: JSON and webhook bodies are not parsed here (their body is read raw once)."""
    if request.mimetype not in FORM_MIMETYPES:
        return
    for name, value in request.form.items(multi=True):
        if name not in CHECKED_FIELDS and _CSV_TEXT.search(value):
            raise FormInvalid({name: CONTROL_CHARACTER_MESSAGE}, CONTROL_CHARACTER_MESSAGE)


def _without_control_characters(text: str) -> str:
    """A CSV may hold tabs and line breaks; NUL and other control characters are refused."""
    found = _CSV_TEXT.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise FormInvalid(
            {"file": f"Line {line} holds a control character (such as NUL): remove it."}
        )
    return text


def vendor_values(vendor: Vendor) -> dict[str, object]:
    """A stored vendor as the edit form shows it."""
    return {
        "name": vendor.name,
        "code": vendor.code,
        "currency": vendor.currency,
        "integration": vendor.integration.value,
        "emails_to": ", ".join(vendor.emails_to),
        "emails_cc": ", ".join(vendor.emails_cc),
        "file_format": vendor.file_format.value,
        "lead_time_days": str(vendor.lead_time_days),
        "po_notes": vendor.po_notes,
        "active": vendor.active,
        "documents": vendor.shipping.documents.value,
        "show_prices": "1" if vendor.shipping.show_prices else "0",
        "file_name_pattern": vendor.shipping.file_name_pattern,
        "service_map": service_map_text(vendor.shipping.service_map),
        "carrier_accounts": carrier_accounts_text(vendor.shipping.carrier_accounts),
        "http_url": vendor.http.url,
        "http_timeout_seconds": str(vendor.http.timeout_seconds),
    }


def amount_text(amount: Decimal) -> str:
    """12.5000 as "12.50"; keep the extra decimals only when they matter."""
    return str(quantize(amount)) if amount == quantize(amount) else format(amount.normalize(), "f")


def product_vendor_values(option: VendorOption) -> dict[str, object]:
    """A stored product vendor as its edit form shows it (and as "Make default" re-saves it)."""
    entry = option.product_vendor
    return {
        "vendor_id": str(entry.vendor_id),
        "variant_id": entry.variant_id or "",
        "vendor_sku": entry.vendor_sku,
        "unit_cost": amount_text(entry.unit_cost.amount),
        "priority": str(entry.priority),
        "min_quantity": str(entry.min_quantity),
        "cost_currency": entry.unit_cost.currency,
        "product_id": entry.product_id,
        "is_default": entry.is_default,
    }
