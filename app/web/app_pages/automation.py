"""The app page's automation surfaces (issue 13): Settings -> "Automation" (drawn by
``app_pages/_automation_settings.html`` only while the module is active) and the
"Needs attention" tab: orders automation holds, and why."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.automation import AutomationRules
from app.errors import Invalid
from app.services.automation_controls import clean_automation_form
from app.web import use_cases
from app.web.app_pages import settings as settings_page
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("automation_pages", __name__)
PERMISSION = "MANAGE_ORDERS"
MAX_FIELD = 200


def _values(rules: AutomationRules) -> dict[str, object]:
    return {
        "paused": rules.paused,
        "charge_automatically": rules.charge_automatically,
        "hold_minutes": str(rules.hold_minutes),
        "max_total": "" if rules.max_total is None else str(rules.max_total),
        "vendors_needing_approval": rules.vendors_needing_approval,
    }


@blueprint.app_context_processor
def _automation_settings() -> dict[str, object]:
    def automation_settings_form() -> dict[str, object]:
        cases, installation_id = use_cases(), current_user().installation_id
        active = cases.is_module_active(
            installation_id=installation_id, module="automatic_order_processing"
        )
        posted = g.get("automation_form")
        stored = cases.get_automation_rules(installation_id=installation_id)
        return {
            "active": active,
            "values": posted["values"] if posted else _values(stored),
            "errors": posted["errors"] if posted else {},
            "notice": posted["notice"] if posted else "",
            "vendors": cases.list_vendors(installation_id=installation_id) if active else [],
        }

    return {"automation_settings_form": automation_settings_form}


@blueprint.post("/app/settings/automation")
@require_dashboard_context(PERMISSION)
def save() -> ResponseReturnValue:
    data = {k: v[:MAX_FIELD] for k, v in request.form.items() if k != "context"}
    data["vendors_needing_approval"] = ",".join(
        v[:12] for v in request.form.getlist("vendors_needing_approval")[:500]
    )
    installation_id, status = current_user().installation_id, 200
    try:
        rules = use_cases().save_automation_rules(
            installation_id=installation_id, rules=clean_automation_form(data)
        )
        g.automation_form = {"values": _values(rules), "errors": {}, "notice": "Automation saved."}
    except Invalid as error:
        status = 400
        g.automation_form = {
            "values": {**data, "paused": data.get("paused") == "1"},
            "errors": {error.field or "form": error.message},
            "notice": "",
        }
    stored = use_cases().get_settings(installation_id=installation_id)
    return settings_page._render(stored.public_values(), stored, status=status)


@blueprint.get("/app/attention")
@require_dashboard_context(PERMISSION)
def needs_attention() -> ResponseReturnValue:
    held = use_cases().needs_attention(installation_id=current_user().installation_id)
    return render_template("app_pages/attention.html", user=current_user(), held=held)
