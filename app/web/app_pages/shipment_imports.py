"""The app page's shipment import: tracking numbers for many POs at once, from a CSV file.

A fragment for ``#app-body`` like the Vendors tab (see app_pages.py): signed context in the
``X-Dashboard-Context`` header. Every row is recorded, or none; each shipment is then written to
Saleor by the worker.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from app.services.forms import FormInvalid
from app.services.shipment_imports import ShipmentImportReport
from app.web import use_cases
from app.web.auth import current_user, require_dashboard_context
from app.web.forms import csv_upload, multiline

blueprint = Blueprint("shipment_imports_page", __name__)
PERMISSION = "MANAGE_ORDERS"
EXAMPLE_CSV = (
    "order,sku,quantity,carrier,tracking_number\r\n"
    "1042,SHIRT-M,2,,1Z999AA10123456784\r\n"
    "1042-2,MUG-1,1,usps,9400111899223397658533\r\n"
)


def _render(status: int = 200, **page: object) -> ResponseReturnValue:
    html = render_template("app_pages/shipments_import.html", user=current_user(), **page)
    return html, status


def _recorded(report: ShipmentImportReport) -> str:
    shipments = "1 shipment" if report.shipments == 1 else f"{report.shipments} shipments"
    rows = "1 row" if report.rows == 1 else f"{report.rows} rows"
    they = "it is" if report.shipments == 1 else "they are"
    return f"{shipments} recorded from {rows}; {they} being written to Saleor."


@blueprint.get("/app/shipments/import")
@require_dashboard_context(PERMISSION)
def import_page() -> ResponseReturnValue:
    return _render()


@blueprint.post("/app/shipments/import")
@require_dashboard_context(PERMISSION)
def import_shipments() -> ResponseReturnValue:
    user = current_user()
    try:
        report = use_cases().import_shipments_csv(
            installation_id=user.installation_id, text=csv_upload(), actor=user.email
        )
    except FormInvalid as error:
        return _render(400, import_error=error, import_text=multiline("text"))
    return _render(notice=_recorded(report))


@blueprint.get("/app/shipments/import/example.csv")
@require_dashboard_context(PERMISSION)
def example_csv() -> ResponseReturnValue:
    return Response(
        EXAMPLE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="shipments-example.csv"'},
    )
