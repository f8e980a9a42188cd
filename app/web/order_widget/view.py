"""What the order widget shows, and how every widget request answers: the whole widget, re-drawn.

Saleor's iframe has no cookies and POST widgets cannot redirect back to the dashboard's POST, so
each action answers with the widget itself plus an outcome banner (no POST-redirect-GET).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.domain.gate import HoldReason
from app.errors import AppError
from app.services.outbound import can_retry_write
from app.web import http_status, use_cases
from app.web.auth import current_user, issue_context
from app.web.dashboard_origins import carried_origin
from app.web.order_widget.shipping import CARRIER_CHOICES, shipping_for

P = ParamSpec("P")
THEMES = ("light", "dark")
WRITE_LABELS = {
    "saleor.write_back": "Notes and state for Saleor",
    "saleor.fulfil": "Fulfilment in Saleor",
    "saleor.tracking": "Tracking update in Saleor",
    "saleor.cancel_fulfilment": "Cancelling the fulfilment in Saleor",
    "saleor.cancel_order": "Cancelling the order in Saleor (risk review: Reject)",
}


@dataclass(frozen=True)
class Outcome:
    """The banner above the widget after an action; ``notify`` also tells the dashboard."""

    status: str  # "success" | "info" | "warning" | "error" (AppBridge notification statuses)
    title: str
    text: str = ""
    notify: bool = False
    refresh_entity: bool = False

    @classmethod
    def failure(cls, error: AppError) -> Outcome:
        return cls("error", "Nothing was changed", error.message)


@dataclass(frozen=True)
class HoldPrompt:
    """The gate's confirmation: why the order is held, and the button the merchant clicked."""

    reasons: tuple[HoldReason, ...]
    send: bool
    reason: str = ""


def when(moment: datetime | None) -> str:
    """A stored time as UTC for the widget (SQLite hands back naive UTC datetimes)."""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%d %b %Y, %H:%M UTC")


def _theme() -> str:
    theme = request.args.get("theme", "")
    return theme if theme in THEMES else "light"


def render_widget(
    order_id: str,
    outcome: Outcome | None = None,
    status: int = 200,
    hold: HoldPrompt | None = None,
) -> ResponseReturnValue:
    user = current_user()
    view = use_cases().order_widget(installation_id=user.installation_id, order_id=order_id)
    held = (
        use_cases().hold_reasons(installation_id=user.installation_id, order_id=order_id)
        if view.order and view.can_order
        else ()
    )
    html = render_template(
        "order_widget/widget.html",
        user=user,
        order_id=order_id,
        view=view,
        shipping=shipping_for((row.po for row in view.purchase_orders), view.shipments),
        outcome=outcome,
        context=issue_context(user),
        theme=_theme(),
        dashboard_origin=carried_origin(),
        when=when,
        carrier_choices=CARRIER_CHOICES,
        write_labels=WRITE_LABELS,
        can_retry_write=can_retry_write,
        hold=hold,
        held=held,
        portal_links=use_cases().purchase_order_links(
            installation_id=user.installation_id,
            po_ids=[row.po.id for row in view.purchase_orders],
        ),
    )
    return html, status


def render_failure(order_id: str, error: AppError) -> ResponseReturnValue:
    """The widget with the error's message, answered with the error's HTTP status."""
    return render_widget(order_id, Outcome.failure(error), http_status(error))


def widget_action(view: Callable[P, Outcome]) -> Callable[P, ResponseReturnValue]:
    """Run an action view returning an Outcome; answer with the widget and its banner.

    An AppError becomes an error banner with the error's HTTP status; the services roll back,
    so nothing is half-written.
    """

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        order_id = request.form.get("orderId", "")
        try:
            outcome = view(*args, **kwargs)
        except AppError as error:
            return render_failure(order_id, error)
        return render_widget(order_id, outcome)

    return wrapper
