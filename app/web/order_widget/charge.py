"""The order widget's payment panel: "Charge $XX.XX", the charge's outcome as it lands, and the
"please update your payment method" email after a decline (docs/adr/0013-charges.md).

The panel is its own small page (``/widgets/order/charge/panel``): the widget's script loads it
and polls it while a charge waits for its result; reading it also checks the charge once more.
The charge and the email are widget actions (the whole widget with a banner).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from app.domain.payments import AttemptStatus
from app.web import use_cases
from app.web.auth import current_user, issue_context, require_dashboard_context
from app.web.dashboard_origins import carried_origin
from app.web.forms import multiline
from app.web.order_widget.view import Outcome, when, widget_action

blueprint = Blueprint("order_charge", __name__)
PERMISSION = "MANAGE_ORDERS"
# The dashboard page where a payment app is installed (AppBridge redirect, relative).
APPS_PATH = "/apps/"
POLL_MILLISECONDS = 2000


def _order_id() -> str:
    return request.form.get("orderId", "")[:200]


@blueprint.post("/widgets/order/charge/panel")
@require_dashboard_context(PERMISSION)
def panel() -> ResponseReturnValue:
    """The payment panel alone (HTML); ``data-in-flight`` tells the script to poll again."""
    user, order_id = current_user(), _order_id()
    panel = use_cases().charge_panel(installation_id=user.installation_id, order_id=order_id)
    draft = None
    latest = panel.latest
    if latest is not None and latest.status is AttemptStatus.DECLINED and panel.payments:
        shop = use_cases().shop_name(installation_id=user.installation_id)
        draft = use_cases().payment_email_draft(
            shop_name=shop, order_number=panel.payments.number, amount=panel.money(latest.amount)
        )
    html = render_template(
        "order_widget/_charge_panel.html",
        panel=panel,
        latest=latest,
        draft=draft,
        order_id=order_id,
        context=issue_context(user),
        dashboard_origin=carried_origin(),
        theme=request.args.get("theme", "light"),
        when=when,
        apps_path=APPS_PATH,
        poll_ms=POLL_MILLISECONDS,
    )
    return html, 200


@blueprint.post("/widgets/order/charge")
@require_dashboard_context(PERMISSION)
@widget_action
def charge() -> Outcome:
    """Ask Saleor to charge what is authorised and not yet charged (once: see ADR 13)."""
    user = current_user()
    attempt = use_cases().charge_order(
        installation_id=user.installation_id, order_id=_order_id(), actor=user.email
    )
    status = attempt.status
    if status.in_flight:
        return Outcome(
            "info",
            "Charge requested",
            "Saleor passed the charge to the payment app; its answer shows in Payment.",
        )
    if status is AttemptStatus.NO_GATEWAY:
        return Outcome("warning", "No payment gateway", attempt.message)
    if status is AttemptStatus.NOTHING_TO_DO:
        return Outcome("info", "Nothing to charge", attempt.message)
    if status is AttemptStatus.APPROVED:
        return Outcome("success", "Charged", attempt.message, notify=True, refresh_entity=True)
    return Outcome("error", "Not charged", attempt.message)


@blueprint.post("/widgets/order/charge/email")
@require_dashboard_context(PERMISSION)
@widget_action
def email() -> Outcome:
    """Send the (edited) "please update your payment method" email after a decline."""
    user = current_user()
    raw_id = request.form.get("attempt_id", "")
    to = use_cases().send_payment_email(
        installation_id=user.installation_id,
        attempt_id=int(raw_id) if raw_id.isdigit() else 0,
        to=request.form.get("to", "")[:320],
        subject=request.form.get("subject", "")[:400],
        body=multiline("body")[:10000],
        actor=user.email,
    )
    return Outcome("success", "Email sent", f"{to} was asked to update their payment method.")
