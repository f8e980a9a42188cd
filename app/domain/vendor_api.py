"""What a vendor posts to the vendor API, checked field by field (all hostile input).

Lines name a PO line by ``order_line_id``, ``sku`` or ``vendor_sku``, as the PO document shows
them. Errors are keyed by JSON path (``lines[0].quantity``) so a vendor's system can point at
the field; every bad field is reported at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import DomainValidationError
from app.domain.purchase_orders import PurchaseOrder
from app.domain.vendor_answers import is_clean_text

MAX_LINES = 500
MAX_TRACKING_NUMBERS = 20
MAX_QUANTITY = 1_000_000
MAX_TEXT = 500
MAX_IDEMPOTENCY_KEY = 200
LINE_KEYS = ("order_line_id", "sku", "vendor_sku")


def clean_idempotency_key(raw: str) -> str | None:
    """The vendor's own id for a request: 1 to 200 visible ASCII characters, else None."""
    key = raw.strip()
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        return None
    return key if all("!" <= char <= "~" for char in key) else None


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as the API reads it: whitespace or key order do not matter."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class ShipmentRequest:
    quantities: dict[str, int]
    tracking_numbers: list[str]
    carrier: str | None
    packages: dict[str, int] | None  # order line id -> 0-based index into tracking_numbers


def _text(value: object, field: str, errors: dict[str, str], limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = "Must be a string."
        return ""
    if len(value) > limit:
        errors[field] = f"Use at most {limit} characters."
        return ""
    if not is_clean_text(value):
        errors[field] = "Remove the control characters."
        return ""
    return value.strip()


def _lines(body: Mapping[str, Any], errors: dict[str, str], required: bool) -> list[Any]:
    lines = body.get("lines")
    if lines is None and not required:
        return []
    if not isinstance(lines, list) or (required and not lines):
        errors["lines"] = "Must be a non-empty array of lines." if required else "Must be an array."
        return []
    if len(lines) > MAX_LINES:
        errors["lines"] = f"At most {MAX_LINES} lines."
        return []
    return lines


def resolve_line(po: PurchaseOrder, entry: object, path: str, errors: dict[str, str]) -> str | None:
    """The order line id an entry names by order_line_id, sku or vendor_sku (first given)."""
    if not isinstance(entry, dict):
        errors[path] = "Must be an object."
        return None
    for key in LINE_KEYS:
        wanted = _text(entry.get(key), f"{path}.{key}", errors, 200)
        if not wanted:
            continue
        found = [line.order_line_id for line in po.lines if getattr(line, key) == wanted]
        if not found:
            errors[f"{path}.{key}"] = f"No line of PO {po.number} has this {key}."
        elif len(found) > 1:
            errors[f"{path}.{key}"] = f"Several lines have this {key}: use order_line_id."
        else:
            return found[0]
        return None
    if not any(f"{path}.{key}" in errors for key in LINE_KEYS):
        errors[path] = "Name the line by order_line_id, sku or vendor_sku."
    return None


def _quantity(value: object, field: str, errors: dict[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        errors[field] = f"Must be a whole number from 1 to {MAX_QUANTITY}."
        return 0
    return value


def _tracking_numbers(body: Mapping[str, Any], errors: dict[str, str]) -> list[str]:
    numbers = body.get("tracking_numbers")
    if (
        not isinstance(numbers, list)
        or not 1 <= len(numbers) <= MAX_TRACKING_NUMBERS
        or not all(
            isinstance(number, str) and 0 < len(number) <= 64 and is_clean_text(number)
            for number in numbers
        )
    ):
        errors["tracking_numbers"] = (
            f"Must be an array of 1 to {MAX_TRACKING_NUMBERS} tracking numbers (strings)."
        )
        return []
    return [str(number) for number in numbers]


def _package(value: object, count: int, field: str, errors: dict[str, str]) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max(count, 1):
        errors[field] = f"Must be the number of a tracking number, 1 to {max(count, 1)}."
        return None
    return value - 1


def clean_shipment_request(po: PurchaseOrder, body: Mapping[str, Any]) -> ShipmentRequest:
    """carrier (optional), tracking_numbers[], lines [{line, quantity, package?}]."""
    errors: dict[str, str] = {}
    carrier = _text(body.get("carrier"), "carrier", errors, 80) or None
    numbers = _tracking_numbers(body, errors)
    quantities: dict[str, int] = {}
    packages: dict[str, int] = {}
    for index, entry in enumerate(_lines(body, errors, required=True)):
        path = f"lines[{index}]"
        line_id = resolve_line(po, entry, path, errors)
        if not isinstance(entry, dict):
            continue
        quantity = _quantity(entry.get("quantity"), f"{path}.quantity", errors)
        package = _package(entry.get("package"), len(numbers), f"{path}.package", errors)
        if line_id is None:
            continue
        if line_id in quantities:
            errors[path] = "This line is listed twice."
            continue
        quantities[line_id] = quantity
        if package is not None:
            packages[line_id] = package
    if errors:
        raise DomainValidationError(errors)
    return ShipmentRequest(quantities, numbers, carrier, packages or None)


def clean_acknowledgement_request(
    po: PurchaseOrder, body: Mapping[str, Any]
) -> tuple[dict[str, dict[str, object]], dict[str, str]]:
    """The answers keyed by order line id (for ``clean_line_responses``), and the JSON path
    of each line id (to report the rules' errors where the vendor wrote the line)."""
    errors: dict[str, str] = {}
    answers: dict[str, dict[str, object]] = {}
    paths: dict[str, str] = {}
    for index, entry in enumerate(_lines(body, errors, required=False)):
        path = f"lines[{index}]"
        line_id = resolve_line(po, entry, path, errors)
        if not isinstance(entry, dict):
            continue
        answer = _text(entry.get("answer"), f"{path}.answer", errors, 20)
        expected = _text(entry.get("expected_date"), f"{path}.expected_date", errors, 10)
        reason = _text(entry.get("reason"), f"{path}.reason", errors)
        if not answer and f"{path}.answer" not in errors:
            errors[f"{path}.answer"] = "Say confirmed, backordered or cancelled."
        if line_id is None:
            continue
        if line_id in answers:
            errors[path] = "This line is listed twice."
            continue
        answers[line_id] = {"answer": answer, "expected_date": expected, "reason": reason}
        paths[line_id] = path
    if errors:
        raise DomainValidationError(errors)
    return answers, paths


def relabel_line_errors(errors: Mapping[str, str], paths: Mapping[str, str]) -> dict[str, str]:
    """``lines.<order line id>.<field>`` (the answer rules' keys) as the request's JSON paths."""
    relabelled = {}
    for key, message in errors.items():
        new_key = key
        for line_id, path in paths.items():
            prefix = f"lines.{line_id}"
            if key == prefix or key.startswith(prefix + "."):
                new_key = path + key[len(prefix) :]
                break
        relabelled[new_key] = message
    return relabelled
