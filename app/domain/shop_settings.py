"""Per-installation settings: who the shop is, how POs are numbered and how mail goes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from app.domain.errors import DomainValidationError, RuleViolation
from app.domain.purchase_orders import DEFAULT_NUMBER_PATTERN, clean_number_pattern

SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class ShopSettings:
    shop_name: str = ""
    merchant_email: str = ""
    po_number_pattern: str = DEFAULT_NUMBER_PATTERN
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    smtp_sender: str = ""
    email_subject_template: str = ""
    email_body_template: str = ""
    po_template_html: str = ""

    @property
    def has_own_smtp(self) -> bool:
        return bool(self.smtp_host)

    def public_values(self) -> dict[str, object]:
        """Everything but the password (stored encrypted, never shown)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "smtp_password"}


def clean_settings(data: Mapping[str, str], current: ShopSettings) -> ShopSettings:
    """Validate the settings form. An empty password field keeps the stored password."""
    errors: dict[str, str] = {}
    values = {
        key: str(data.get(key, getattr(current, key))).strip()
        for key in (
            "shop_name",
            "merchant_email",
            "po_number_pattern",
            "smtp_host",
            "smtp_username",
            "smtp_security",
            "smtp_sender",
        )
    }
    if values["merchant_email"] and "@" not in values["merchant_email"]:
        errors["merchant_email"] = "Enter the email vendors should reply to."
    try:
        values["po_number_pattern"] = clean_number_pattern(values["po_number_pattern"])
    except RuleViolation as error:
        errors["po_number_pattern"] = str(error)
    if values["smtp_security"] not in SMTP_SECURITY:
        errors["smtp_security"] = "Choose starttls, ssl or none."
    port = current.smtp_port
    try:
        port = int(str(data.get("smtp_port", current.smtp_port)).strip())
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        errors["smtp_port"] = "Use a port number such as 587."
    if values["smtp_host"] and "@" not in values["smtp_sender"]:
        errors["smtp_sender"] = "Enter the From address for purchase orders."
    if errors:
        raise DomainValidationError(errors)
    password = str(data.get("smtp_password") or "") or current.smtp_password
    return replace(
        current,
        **values,
        smtp_port=port,
        smtp_password=password,
        email_subject_template=str(
            data.get("email_subject_template", current.email_subject_template)
        ),
        email_body_template=str(data.get("email_body_template", current.email_body_template)),
        po_template_html=str(data.get("po_template_html", current.po_template_html)),
    )
