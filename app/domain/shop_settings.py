"""Per-installation settings: who the shop is, how POs are numbered and how mail goes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date

from app.domain.errors import DomainValidationError, RuleViolation
from app.domain.portal_links import DEFAULT_LINK_DAYS, clean_link_days
from app.domain.purchase_orders import DEFAULT_NUMBER_PATTERN, clean_number_pattern
from app.domain.vendor_reminders import DEFAULT_CONFIRM_AFTER_HOURS, clean_confirm_after_hours

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
    dropship_warehouse_id: str = ""
    notify_customer: bool = True
    approve_fulfilments: bool = True
    # The packing slip (app/domain/packing_slips.py) and ship-by dates.
    return_address: str = ""
    slip_message_template: str = ""
    holidays: str = ""  # ISO dates, one a line (cleaned by app/domain/ship_by.py)
    late_digest: bool = True  # a daily email to merchant_email listing late POs
    portal_link_days: int = DEFAULT_LINK_DAYS  # lifetime of new vendor portal links (issue 15)
    vendor_reminders: bool = True  # email vendors once about unconfirmed and late POs
    reminder_confirm_hours: int = DEFAULT_CONFIRM_AFTER_HOURS  # 0: no confirmation reminder
    # Not on the settings form: the first-run checklist's state (app/services/first_run.py).
    test_po_sent_at: str = ""  # ISO time of the last test PO that reached the mail server
    first_run_dismissed: bool = False
    late_digest_sent_on: str = ""  # ISO date (UTC) of the last late-PO email

    @property
    def has_own_smtp(self) -> bool:
        return bool(self.smtp_host)

    @property
    def holiday_dates(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(day) for day in self.holidays.split())

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
    link_days = current.portal_link_days
    try:
        link_days = clean_link_days(data.get("portal_link_days", current.portal_link_days))
    except DomainValidationError as error:
        errors.update(error.errors)
    confirm_hours = current.reminder_confirm_hours
    try:
        confirm_hours = clean_confirm_after_hours(
            data.get("reminder_confirm_hours", current.reminder_confirm_hours)
        )
    except DomainValidationError as error:
        errors.update(error.errors)
    if errors:
        raise DomainValidationError(errors)
    password = str(data.get("smtp_password") or "") or current.smtp_password
    if _flag(data, "smtp_password_clear", False):
        password = ""
    return replace(
        current,
        shop_name=values["shop_name"],
        merchant_email=values["merchant_email"],
        po_number_pattern=values["po_number_pattern"],
        smtp_host=values["smtp_host"],
        smtp_username=values["smtp_username"],
        smtp_security=values["smtp_security"],
        smtp_sender=values["smtp_sender"],
        dropship_warehouse_id=str(
            data.get("dropship_warehouse_id", current.dropship_warehouse_id)
        ).strip(),
        notify_customer=_flag(data, "notify_customer", current.notify_customer),
        approve_fulfilments=_flag(data, "approve_fulfilments", current.approve_fulfilments),
        late_digest=_flag(data, "late_digest", current.late_digest),
        vendor_reminders=_flag(data, "vendor_reminders", current.vendor_reminders),
        reminder_confirm_hours=confirm_hours,
        smtp_port=port,
        portal_link_days=link_days,
        smtp_password=password,
        email_subject_template=str(
            data.get("email_subject_template", current.email_subject_template)
        ),
        email_body_template=str(data.get("email_body_template", current.email_body_template)),
        po_template_html=str(data.get("po_template_html", current.po_template_html)),
    )


def _flag(data: Mapping[str, str], key: str, current: bool) -> bool:
    """A yes/no field; absent from the form means unchanged."""
    if key not in data:
        return current
    return str(data[key]).strip().lower() in {"1", "true", "yes", "on"}
