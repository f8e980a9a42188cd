"""The order widget's shipping actions: add tracking to a PO; correct, write again or cancel.

The Add tracking form posts the PO (``po_id``) and parallel lists (``line_id``, ``quantity``,
``package``: one entry per PO line left to ship). When the service refuses, the widget is drawn
again with the banner and the form as the merchant filled it (kept in ``g``, read by
``_shipping.html``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, g, request

from app.domain.shipments import Shipment, ShipmentStatus
from app.errors import Invalid
from app.web import use_cases
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import record_id
from app.web.order_widget.shipping import CARRIER_CODES
from app.web.order_widget.view import Outcome, widget_action

blueprint = Blueprint("order_shipments", __name__)
PERMISSION = "MANAGE_ORDERS"
SHIPMENT = "/widgets/order/shipments/<int:shipment_id>"


@dataclass(frozen=True)
class ShipmentDraft:
    """The Add tracking form as posted (raw strings), to draw it again after a refusal."""

    po_id: int
    quantities: dict[str, str]
    packages: dict[str, str]
    tracking: str
    carrier: str
    per_package: bool

    @classmethod
    def posted(cls, po_id: int) -> ShipmentDraft:
        line_ids = request.form.getlist("line_id")
        quantities = request.form.getlist("quantity")
        packages = request.form.getlist("package")
        if len(quantities) != len(line_ids) or len(packages) not in (0, len(line_ids)):
            raise Invalid("This form is out of date: refresh the widget and try again.")
        return cls(
            po_id=po_id,
            quantities=dict(zip(line_ids, quantities, strict=True)),
            packages=dict(zip(line_ids, packages, strict=True)) if packages else {},
            tracking=request.form.get("tracking", ""),
            carrier=request.form.get("carrier", ""),
            per_package=request.form.get("per_package") == "1",
        )


def _whole(raw: str, message: str, field: str) -> int:
    raw = raw.strip()
    if not raw:
        return 0
    if not (raw.isascii() and raw.isdigit()):
        raise Invalid(message, field=field)
    return int(raw)


def posted_quantities(draft: ShipmentDraft) -> dict[str, int]:
    message = "Enter each quantity as a whole number (0 for a line that did not ship)."
    return {line_id: _whole(raw, message, "quantity") for line_id, raw in draft.quantities.items()}


def posted_carrier(raw: str) -> str | None:
    """None detects the carrier from the number; otherwise one of the listed codes."""
    if not raw.strip():
        return None
    if raw not in CARRIER_CODES:
        raise Invalid("Choose one of the listed carriers.", field="carrier")
    return raw


def posted_packages(draft: ShipmentDraft, quantities: dict[str, int]) -> dict[str, int] | None:
    """Which package (index into the tracking numbers) each shipped line travels in; the
    domain (``assign_packages``) checks them against the numbers."""
    if not draft.per_package:
        return None
    message = "Choose a package for each line."
    return {
        line_id: _whole(draft.packages.get(line_id, "0"), message, "package")
        for line_id, quantity in quantities.items()
        if quantity > 0
    }


def _tracking_text(shipment: Shipment) -> str:
    carrier = shipment.carrier.name if shipment.carrier else "carrier not recognised"
    return f"tracking {', '.join(shipment.tracking_numbers)} ({carrier})"


@blueprint.post("/widgets/order/shipments")
@require_dashboard_context(PERMISSION)
@widget_action
def add() -> Outcome:
    po_id = record_id("po_id")
    g.shipment_draft = draft = ShipmentDraft.posted(po_id)
    quantities = posted_quantities(draft)
    packages = posted_packages(draft, quantities)
    user = current_user()
    shipment = use_cases().record_shipment(
        installation_id=user.installation_id,
        po_id=po_id,
        quantities=quantities,
        tracking=draft.tracking,
        carrier_code=posted_carrier(draft.carrier),
        actor=user.email,
        packages=packages,
    )
    count = sum(shipment.quantities().values())
    text = f"{count} item(s) with {_tracking_text(shipment)}: being written to Saleor."
    return Outcome("success", "Tracking added", text, notify=True)


@blueprint.post(f"{SHIPMENT}/tracking")
@require_dashboard_context(PERMISSION)
@widget_action
def correct(shipment_id: int) -> Outcome:
    tracking, carrier = request.form.get("tracking", ""), request.form.get("carrier", "")
    g.tracking_draft = {"shipment_id": shipment_id, "tracking": tracking, "carrier": carrier}
    shipment = use_cases().correct_tracking(
        installation_id=current_user().installation_id,
        shipment_id=shipment_id,
        tracking=tracking,
        carrier_code=posted_carrier(carrier),
    )
    next_step = (
        "Saleor is being updated."
        if shipment.status is ShipmentStatus.WRITTEN
        else "It goes to Saleor with the new number."
    )
    text = f"Now {_tracking_text(shipment)}. {next_step}"
    return Outcome("success", "Tracking corrected", text, notify=True)


@blueprint.post(f"{SHIPMENT}/retry")
@require_dashboard_context(PERMISSION)
@widget_action
def retry(shipment_id: int) -> Outcome:
    shipment = use_cases().retry_shipment(
        installation_id=current_user().installation_id, shipment_id=shipment_id
    )
    text = f"The shipment with {_tracking_text(shipment)} is being written to Saleor again."
    return Outcome("success", "Writing again", text)


@blueprint.post(f"{SHIPMENT}/cancel")
@require_dashboard_context(PERMISSION)
@widget_action
def cancel(shipment_id: int) -> Outcome:
    shipment = use_cases().cancel_shipment(
        installation_id=current_user().installation_id, shipment_id=shipment_id
    )
    numbers = ", ".join(shipment.tracking_numbers)
    if shipment.status is ShipmentStatus.WRITTEN:
        text = f"Its fulfilment in Saleor is being cancelled ({numbers}); refresh to follow it."
        return Outcome("info", "Cancelling shipment", text, notify=True)
    text = f"Shipment {numbers} is cancelled: its quantities can be shipped again."
    return Outcome("success", "Shipment cancelled", text, notify=True)
