"""The app page's Purchase orders tab: every PO of the shop, filtered, searched, paged; bulk
actions after a confirmation; the filtered list as CSV; a PO's PDF.

Filters travel as query parameters (GET) and, in the bulk form, as hidden fields, so the
answer to a bulk action shows the same list it was started from.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.errors import DomainValidationError
from app.domain.po_list import POListQuery, parse_po_list_query, query_parameters
from app.domain.purchase_orders import POStatus
from app.services.po_list import BulkAction, BulkOutcome, parse_bulk
from app.web import use_cases
from app.web.attachments import attachment
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("po_list_page", __name__)
PERMISSION = "MANAGE_ORDERS"


def _form_values() -> dict[str, str | list[str]]:
    source = request.form if request.method == "POST" else request.args
    values: dict[str, str | list[str]] = {key: source.get(key, "") for key in source}
    values["status"] = source.getlist("status")
    return values


def _render(
    query: POListQuery,
    *,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    confirm: tuple[BulkAction, list[int], str] | None = None,
    outcome: BulkOutcome | None = None,
) -> ResponseReturnValue:
    user = current_user()
    view = use_cases().purchase_order_list(installation_id=user.installation_id, query=query)
    html = render_template(
        "app_pages/purchase_orders.html",
        user=user,
        view=view,
        values=_form_values(),
        errors=errors or {},
        statuses=list(POStatus),
        parameters=query_parameters(query),
        next_parameters=(
            query_parameters(query, after=view.page.next_cursor) if view.page.next_cursor else None
        ),
        confirm=confirm,
        outcome=outcome,
        actions=list(BulkAction),
    )
    return html, status


def _query_or_errors() -> tuple[POListQuery, dict[str, str]]:
    try:
        return parse_po_list_query(_form_values()), {}
    except DomainValidationError as error:
        return POListQuery(), error.errors


@blueprint.get("/app/purchase-orders")
@require_dashboard_context(PERMISSION)
def purchase_orders() -> ResponseReturnValue:
    query, errors = _query_or_errors()
    return _render(query, errors=errors, status=400 if errors else 200)


@blueprint.get("/app/purchase-orders/export")
@require_dashboard_context(PERMISSION)
def export() -> ResponseReturnValue:
    query = parse_po_list_query(_form_values())  # bad filters: 400 with the first message
    text = use_cases().export_purchase_orders_csv(
        installation_id=current_user().installation_id, query=query
    )
    return attachment("purchase-orders.csv", "text/csv", text)


@blueprint.post("/app/purchase-orders/bulk")
@require_dashboard_context(PERMISSION)
def bulk() -> ResponseReturnValue:
    """First post: the confirmation (what will happen to which POs); with ``confirm``: done.
    The action's field is ``bulk_action``: a field named "action" would hide the form's own
    ``action`` property from the page's script."""
    query, errors = _query_or_errors()
    reason = request.form.get("reason", "").strip()
    try:
        action, po_ids = parse_bulk(
            request.form.get("bulk_action", ""), request.form.getlist("po"), reason
        )
    except DomainValidationError as error:
        return _render(query, errors={**errors, **error.errors}, status=400)
    if request.form.get("confirm") != "1":
        return _render(query, errors=errors, confirm=(action, po_ids, reason))
    user = current_user()
    outcome = use_cases().bulk_purchase_orders(
        installation_id=user.installation_id,
        action=action,
        po_ids=po_ids,
        actor=user.email,
        reason=reason,
    )
    return _render(query, errors=errors, outcome=outcome)


@blueprint.post("/app/purchase-orders/<int:po_id>/pdf")
@require_dashboard_context(PERMISSION)
def download(po_id: int) -> ResponseReturnValue:
    filename, content_type, data = use_cases().purchase_order_file(
        installation_id=current_user().installation_id, po_id=po_id, kind="pdf"
    )
    return attachment(filename, content_type, data)
