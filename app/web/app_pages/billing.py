"""Settings → "Add-on modules": each module's state, "Add" (a Stripe Checkout session) and
"Manage billing" (Stripe's customer portal); and Stripe's webhook endpoint.

Stripe's pages cannot be framed by the dashboard: a button's answer is the Settings page with a
link that opens Stripe in a new tab. The webhook endpoint takes no session or dashboard token:
the ``Stripe-Signature`` header is its proof (app/adapters/stripe_billing.py).
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask.typing import ResponseReturnValue

from app.errors import TooLarge
from app.web import container, use_cases
from app.web.app_pages import settings as settings_page
from app.web.auth import current_user, require_dashboard_context

blueprint = Blueprint("billing", __name__)
PERMISSION = "MANAGE_ORDERS"  # as the Settings page that shows the section
MAX_STRIPE_EVENT_BYTES = 262_144


@blueprint.app_context_processor
def _add_on_modules() -> dict[str, object]:
    """What ``_add_on_modules.html`` reads, loaded only when the partial asks."""

    def add_on_modules() -> dict[str, object]:
        installation_id = current_user().installation_id
        return {
            "view": use_cases().add_on_modules(installation_id=installation_id),
            "stripe_link": g.get("stripe_link"),
        }

    return {"add_on_modules": add_on_modules}


def _settings_with_link(title: str, url: str) -> ResponseReturnValue:
    g.stripe_link = {"title": title, "url": url}
    stored = use_cases().get_settings(installation_id=current_user().installation_id)
    return settings_page._render(stored.public_values(), stored)


@blueprint.post("/app/settings/modules/checkout")
@require_dashboard_context(PERMISSION)
def checkout() -> ResponseReturnValue:
    url = use_cases().start_module_checkout(
        installation_id=current_user().installation_id,
        module=request.form.get("module", "")[:100],
    )
    return _settings_with_link("Continue to Stripe Checkout", url)


@blueprint.post("/app/settings/modules/portal")
@require_dashboard_context(PERMISSION)
def portal() -> ResponseReturnValue:
    url = use_cases().billing_portal_url(installation_id=current_user().installation_id)
    return _settings_with_link("Open Stripe's billing portal", url)


@blueprint.get("/billing/done")
def done() -> ResponseReturnValue:
    cancelled = request.args.get("cancelled") == "1"
    return render_template(
        "app_pages/public.html", title="Billing", page="billing", cancelled=cancelled
    )


@blueprint.post("/api/stripe/webhook")
def stripe_webhook() -> ResponseReturnValue:
    if (request.content_length or 0) > MAX_STRIPE_EVENT_BYTES:
        raise TooLarge("The body is too large.")
    body = request.stream.read(MAX_STRIPE_EVENT_BYTES + 1)
    if len(body) > MAX_STRIPE_EVENT_BYTES:
        raise TooLarge("The body is too large.")
    outcome = container().use_cases.process_stripe_event(
        body=body, signature=request.headers.get("Stripe-Signature", "")[:2000]
    )
    return current_app.json.response({"received": True, "outcome": outcome})
