"""The packing slip settings: the shop's return address, message and holidays (the logo is
checked in app/domain/logos.py). The slip itself is rendered by app/adapters/packing_slips.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from app.domain.errors import DomainValidationError
from app.domain.ship_by import clean_holidays, holidays_text
from app.domain.shop_settings import ShopSettings

MAX_RETURN_ADDRESS = 500
MAX_RETURN_ADDRESS_LINES = 8
MAX_MESSAGE_TEMPLATE = 4000
DEFAULT_SLIP_MESSAGE = "Thank you for your order from {{ shop_name }}!"


def clean_packing_slip_settings(data: Mapping[str, str], current: ShopSettings) -> ShopSettings:
    """Validate the Settings page's packing slip section; every bad field is reported at once."""
    errors: dict[str, str] = {}
    address = "\n".join(
        line.strip() for line in str(data.get("return_address", "")).splitlines() if line.strip()
    )
    if len(address) > MAX_RETURN_ADDRESS or address.count("\n") >= MAX_RETURN_ADDRESS_LINES:
        errors["return_address"] = (
            f"Use at most {MAX_RETURN_ADDRESS_LINES} lines and {MAX_RETURN_ADDRESS} characters."
        )
    message = str(data.get("slip_message_template", "")).strip()
    if len(message) > MAX_MESSAGE_TEMPLATE:
        errors["slip_message_template"] = f"Use at most {MAX_MESSAGE_TEMPLATE} characters."
    holidays = ""
    try:
        holidays = holidays_text(clean_holidays(str(data.get("holidays", ""))))
    except DomainValidationError as error:
        errors.update(error.errors)
    if errors:
        raise DomainValidationError(errors)
    return replace(
        current, return_address=address, slip_message_template=message, holidays=holidays
    )
