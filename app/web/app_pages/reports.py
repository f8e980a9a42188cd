"""The app page's Reports tab: vendor performance, order margins and charts for a date range
and vendor; each table as CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.errors import DomainValidationError
from app.domain.reports import ReportQuery, parse_report_query
from app.web import use_cases
from app.web.attachments import attachment
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("reports_page", __name__)
PERMISSION = "MANAGE_ORDERS"


def _query() -> tuple[ReportQuery, dict[str, str]]:
    today = datetime.now(UTC).date()
    try:
        return parse_report_query(request.args, today), {}
    except DomainValidationError as error:
        return parse_report_query({}, today), error.errors


@blueprint.get("/app/reports")
@require_dashboard_context(PERMISSION)
def reports() -> ResponseReturnValue:
    query, errors = _query()
    user = current_user()
    view = use_cases().reports_page(installation_id=user.installation_id, query=query)
    values = {
        "from": request.args.get("from", query.start.isoformat()),
        "to": request.args.get("to", query.end.isoformat()),
        "vendor": request.args.get("vendor", ""),
    }
    html = render_template(
        "app_pages/reports.html", user=user, view=view, values=values, errors=errors
    )
    return html, 400 if errors else 200


@blueprint.get("/app/reports/<table>.csv")
@require_dashboard_context(PERMISSION)
def export(table: str) -> ResponseReturnValue:
    query = parse_report_query(request.args, datetime.now(UTC).date())
    filename, text = use_cases().export_report_csv(
        installation_id=current_user().installation_id, query=query, table=table
    )
    return attachment(filename, "text/csv", text)
