"""The first-run checklist's actions on the app page: send a test PO to yourself, dismiss.

Both answer the Vendors tab (the home) with the checklist's new state, as an HTML fragment
for ``#app-body`` (see app_pages.py).
"""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from app.services.forms import FormInvalid
from app.web import use_cases
from app.web.app_pages.vendors import vendors_home
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("first_run_page", __name__)
PERMISSION = "MANAGE_ORDERS"


@blueprint.post("/app/first-run/test-po")
@require_dashboard_context(PERMISSION)
def test_po() -> ResponseReturnValue:
    try:
        outcome = use_cases().send_test_po(installation_id=current_user().installation_id)
    except FormInvalid as error:
        return vendors_home(400, test_po_errors=error.errors)
    if not outcome.sent:
        return vendors_home(502, test_po_failure=outcome.error)
    return vendors_home(notice=f"A test PO was sent to {outcome.to}: check that inbox.")


@blueprint.post("/app/first-run/dismiss")
@require_dashboard_context(PERMISSION)
def dismiss() -> ResponseReturnValue:
    use_cases().dismiss_first_run(installation_id=current_user().installation_id)
    return vendors_home(notice="The checklist is hidden. Vendors and Settings are in the tabs.")
