"""The order widget's "Automation" panel (issue 13): why automation holds this order, and the
merchant's "Hold" / "Resume" for this order. Drawn by ``order_widget/_automation.html`` only
while the shop has the module."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, request

from app.services.automation_controls import OrderAutomation
from app.web import use_cases
from app.web.auth import current_user, require_dashboard_context
from app.web.order_widget.view import Outcome, widget_action

blueprint = Blueprint("order_automation", __name__)
PERMISSION = "MANAGE_ORDERS"


@blueprint.app_context_processor
def _automation_helpers() -> dict[str, Callable[..., object]]:
    def automation_of(order_id: str) -> OrderAutomation | None:
        if not order_id:
            return None
        return use_cases().order_automation(  # type: ignore[no-any-return]
            installation_id=current_user().installation_id, order_id=order_id
        )

    return {"automation_of": automation_of}


def _set_held(held: bool) -> None:
    user = current_user()
    use_cases().set_order_held(
        installation_id=user.installation_id,
        order_id=request.form.get("orderId", "")[:200],
        held=held,
        actor=user.email,
    )


@blueprint.post("/widgets/order/automation/hold")
@require_dashboard_context(PERMISSION)
@widget_action
def hold() -> Outcome:
    _set_held(True)
    return Outcome("success", "Automation held", "Nothing automatic happens to this order now.")


@blueprint.post("/widgets/order/automation/resume")
@require_dashboard_context(PERMISSION)
@widget_action
def resume() -> Outcome:
    _set_held(False)
    return Outcome("success", "Automation resumed", "The next automatic step is queued.")
