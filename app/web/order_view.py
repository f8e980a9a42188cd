"""What the order widget shows, and how every widget request answers: the whole widget, re-drawn.

Saleor's iframe has no cookies and POST widgets cannot redirect back to the dashboard's POST, so
each action answers with the widget itself plus an outcome banner (no POST-redirect-GET).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.domain.installations import InstallationId
from app.domain.outbound import OutboundAttempt
from app.domain.plans import PlanLine
from app.domain.purchase_orders import POStatus, PurchaseOrder, can_transition
from app.errors import AppError
from app.services.orders import OrderView, view_order
from app.services.outbound import order_writes
from app.services.purchase_orders import list_purchase_orders
from app.services.shipments import list_shipments
from app.services.vendors import list_vendors
from app.web import container, http_status
from app.web.auth import current_user, issue_context
from app.web.order_shipping import CARRIER_CHOICES, POShipping, shipping_for

P = ParamSpec("P")
THEMES = ("light", "dark")
WRITE_LABELS = {
    "saleor.write_back": "Notes and state for Saleor",
    "saleor.fulfil": "Fulfilment in Saleor",
    "saleor.tracking": "Tracking update in Saleor",
    "saleor.cancel_fulfilment": "Cancelling the fulfilment in Saleor",
}
_ORIGIN = re.compile(
    r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$"
)


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
class LineRow:
    line: PlanLine
    on_open_pos: int
    po_numbers: tuple[str, ...]

    @property
    def is_fully_ordered(self) -> bool:
        return self.on_open_pos >= self.line.quantity > 0

    @property
    def remaining(self) -> int:
        return max(self.line.quantity - self.on_open_pos, 0)


@dataclass(frozen=True)
class PORow:
    po: PurchaseOrder
    by_email: bool
    send: OutboundAttempt | None = None

    @property
    def sending(self) -> OutboundAttempt | None:
        """The send in flight or waiting for its next try (attempted at least once)."""
        send = self.send
        return send if send is not None and send.is_open and send.attempts > 0 else None

    @property
    def can_send(self) -> bool:
        return self.by_email and self.po.status in (POStatus.CREATED, POStatus.SEND_FAILED)

    @property
    def can_resend(self) -> bool:
        return self.by_email and self.po.status is POStatus.SENT

    @property
    def can_mark_sent(self) -> bool:
        return self.po.status in (POStatus.CREATED, POStatus.SEND_FAILED)

    @property
    def can_cancel(self) -> bool:
        return can_transition(self.po.status, POStatus.CANCELLED)


@dataclass(frozen=True)
class WidgetView:
    order: OrderView | None
    lines: list[LineRow] = field(default_factory=list)
    purchase_orders: list[PORow] = field(default_factory=list)
    shipping: list[POShipping] = field(default_factory=list)
    saleor_writes: list[OutboundAttempt] = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.order is not None and self.order.snapshot.is_closed

    @property
    def can_order(self) -> bool:
        """Something drop-shipped is not yet on an open PO (the create buttons are enabled)."""
        return not self.is_closed and any(
            row.line.is_drop_shipped and row.remaining > 0 for row in self.lines
        )

    @property
    def nothing_to_order(self) -> str:
        """Why the create buttons are disabled ("" when they are not)."""
        if self.order is None or self.can_order:
            return ""
        if self.is_closed:
            return f"This order is {self.order.snapshot.status.lower()}: no PO can be created."
        if not any(row.line.is_drop_shipped for row in self.lines):
            return "No line has a vendor: choose one above to order it."
        return "Nothing left to order: every drop-shipped line is on a purchase order."

    @property
    def can_complete(self) -> bool:
        return self.order is not None and self.order.snapshot.can_complete


def load_widget(installation_id: InstallationId, order_id: str) -> WidgetView:
    """The order, its plan, its POs and shipments, bound to the signed-in user's installation."""
    uow_factory = container().uow_factory
    order = view_order(uow_factory, installation_id, order_id) if order_id else None
    if order is None:
        return WidgetView(order=None)
    pos = list_purchase_orders(uow_factory, installation_id, order_id)
    by_email = {
        vendor.id: vendor.integration.sends_automatically
        for vendor in list_vendors(uow_factory, installation_id)
    }
    on_pos: dict[str, int] = {}
    numbers: dict[str, list[str]] = {}
    for po in pos:
        if not po.status.is_open:
            continue
        for po_line in po.lines:
            on_pos[po_line.order_line_id] = on_pos.get(po_line.order_line_id, 0) + po_line.quantity
            numbers.setdefault(po_line.order_line_id, []).append(po.number)
    lines = [
        LineRow(line, on_pos.get(line.order_line_id, 0), tuple(numbers.get(line.order_line_id, ())))
        for line in order.plan.lines
    ]
    shipments = list_shipments(uow_factory, installation_id, order_id)
    writes = order_writes(
        uow_factory,
        installation_id,
        order_id,
        [po.id or 0 for po in pos],
        [s.id or 0 for s in shipments],
    )
    rows = [
        PORow(po, by_email.get(po.vendor_id, False), writes.po_sends.get(str(po.id))) for po in pos
    ]
    shipping = shipping_for(pos, shipments)
    return WidgetView(
        order=order,
        lines=lines,
        purchase_orders=rows,
        shipping=shipping,
        saleor_writes=writes.unfinished,
    )


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


def _dashboard_origin() -> str:
    """The dashboard's origin, for AppBridge once the iframe has navigated inside itself.

    The first POST comes from the dashboard (its Origin header); later forms carry it along.
    After a form inside the iframe, ``document.referrer`` is the app itself, not the dashboard.
    """
    for value in (request.form.get("dashboardOrigin", ""), request.origin or ""):
        if _ORIGIN.match(value) and value != request.host_url.rstrip("/"):
            return value
    return ""


def render_widget(
    order_id: str, outcome: Outcome | None = None, status: int = 200
) -> ResponseReturnValue:
    user = current_user()
    view = load_widget(user.installation_id, order_id)
    html = render_template(
        "order_widget/widget.html",
        user=user,
        order_id=order_id,
        view=view,
        outcome=outcome,
        context=issue_context(user),
        theme=_theme(),
        dashboard_origin=_dashboard_origin(),
        when=when,
        carrier_choices=CARRIER_CHOICES,
        write_labels=WRITE_LABELS,
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
