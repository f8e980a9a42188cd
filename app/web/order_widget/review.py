"""The risk review at the top of the order widget: its verdict and reasons (drawn by
``order_widget/_review.html``), and the merchant's Approve, Reject and Review again.

Approve and Reject each need the form's confirmation box ticked (the page's confirmation step
works without script); Reject also needs a reason, which becomes the order's note in Saleor.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, request

from app.domain.risk.review import RiskReview
from app.domain.risk.scoring import RiskSettings
from app.errors import Invalid
from app.web import use_cases
from app.web.auth import current_user, require_dashboard_context
from app.web.order_widget.view import Outcome, widget_action

blueprint = Blueprint("order_review", __name__)
PERMISSION = "MANAGE_ORDERS"
CONFIRM_MESSAGE = "Tick the box to confirm."


@blueprint.app_context_processor
def _risk_review_helpers() -> dict[str, Callable[..., object]]:
    """What ``_review.html`` reads: the order's stored review, and setting labels."""

    def risk_review_of(order_id: str) -> RiskReview | None:
        if not order_id:
            return None
        return use_cases().risk_review(  # type: ignore[no-any-return]
            installation_id=current_user().installation_id, order_id=order_id
        )

    def risk_setting_label(name: str) -> str:
        return RiskSettings.labels().get(name, (name,))[0]

    return {"risk_review_of": risk_review_of, "risk_setting_label": risk_setting_label}


def _order_id() -> str:
    return request.form.get("orderId", "")[:200]


def _confirmed() -> None:
    if request.form.get("confirm") != "1":
        raise Invalid(CONFIRM_MESSAGE, field="confirm")


@blueprint.post("/widgets/order/review/approve")
@require_dashboard_context(PERMISSION)
@widget_action
def approve() -> Outcome:
    _confirmed()
    user = current_user()
    decided = use_cases().approve_order(
        installation_id=user.installation_id, order_id=_order_id(), actor=user.email
    )
    status = decided.order_status.replace("_", " ").lower()
    return Outcome(
        "success",
        "Order approved",
        f"Review done; Saleor shows the order as {status}.",
        notify=True,
        refresh_entity=True,
    )


@blueprint.post("/widgets/order/review/reject")
@require_dashboard_context(PERMISSION)
@widget_action
def reject() -> Outcome:
    _confirmed()
    user = current_user()
    use_cases().reject_order(
        installation_id=user.installation_id,
        order_id=_order_id(),
        actor=user.email,
        reason=request.form.get("reason", "")[:2000],
    )
    return Outcome(
        "success",
        "Order rejected",
        "It is cancelled in Saleor, with your reason in its notes.",
        notify=True,
        refresh_entity=True,
    )


@blueprint.post("/widgets/order/review/run")
@require_dashboard_context(PERMISSION)
@widget_action
def run_again() -> Outcome:
    use_cases().request_risk_review(
        installation_id=current_user().installation_id, order_id=_order_id()
    )
    return Outcome("info", "Review queued", "Refresh in a moment to see the new verdict.")
