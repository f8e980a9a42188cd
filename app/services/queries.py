"""The read side: what the pages show, read in one unit of work with plain repository SELECTs
into view objects (cosmicpython's ``views.py``). Allowed actions come from domain predicates
(``PurchaseOrder.can_*``, ``Order.can_complete``, ``Shipment.can_*``), never re-encoded in web.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.outbound import OutboundAttempt
from app.domain.plans import PlanLine
from app.domain.purchase_orders import PurchaseOrder
from app.domain.reports import OrderMargin
from app.domain.shipments import Shipment
from app.domain.vendors import IntegrationKind
from app.services.orders import OrderView, load_plan
from app.services.outbound import order_writes
from app.services.unit_of_work import UnitOfWorkFactory


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
    """A PO with what the merchant may do to it; ``sends_automatically`` is its vendor's."""

    po: PurchaseOrder
    sends_automatically: bool
    send: OutboundAttempt | None = None
    days_late: int = 0  # past the vendor's lead time without a full shipment
    sends_by_email: bool = False  # an amended PO goes out by itself (others: by hand)

    @property
    def sending(self) -> OutboundAttempt | None:
        """The send in flight or waiting for its next try (attempted at least once)."""
        send = self.send
        return send if send is not None and send.is_open and send.attempts > 0 else None

    @property
    def can_send(self) -> bool:
        return self.po.can_send(self.sends_automatically)

    @property
    def can_resend(self) -> bool:
        return self.po.can_resend(self.sends_automatically)

    @property
    def can_mark_sent(self) -> bool:
        return self.po.can_mark_sent

    @property
    def can_cancel(self) -> bool:
        return self.po.can_cancel


@dataclass(frozen=True)
class OrderWidgetView:
    """Everything the order widget draws, bound to one installation."""

    order: OrderView | None
    lines: list[LineRow] = field(default_factory=list)
    purchase_orders: list[PORow] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    saleor_writes: list[OutboundAttempt] = field(default_factory=list)
    margins: list[OrderMargin] = field(default_factory=list)  # one per currency of its POs

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


def order_widget(
    uow_factory: UnitOfWorkFactory, installation_id: InstallationId, order_id: str
) -> OrderWidgetView:
    """The order, its plan, its POs (with the quantities on open POs the repository sums),
    shipments and outbound writes, read in one unit of work."""
    with uow_factory() as uow:
        order = uow.orders.get(installation_id, order_id) if order_id else None
        if order is None:
            return OrderWidgetView(order=None)
        plan = load_plan(uow, installation_id, order)
        pos = uow.purchase_orders.list_for_order(installation_id, order_id)
        on_pos = uow.purchase_orders.quantity_on_open_pos(installation_id, order_id)
        vendors = uow.vendors.list(installation_id)
        automatic = {v.id: v.integration.sends_automatically for v in vendors}
        by_email = {v.id for v in vendors if v.integration is IntegrationKind.EMAIL}
        shipments = uow.shipments.list_for_order(installation_id, order_id)
        margins = uow.reports.order_margin(installation_id, order_id) if pos else []
        writes = order_writes(
            uow,
            installation_id,
            order_id,
            [po.id or 0 for po in pos],
            [s.id or 0 for s in shipments],
        )
    numbers: dict[str, list[str]] = {}
    for po in pos:
        if po.status.is_open:
            for po_line in po.lines:
                numbers.setdefault(po_line.order_line_id, []).append(po.number)
    lines = [
        LineRow(line, on_pos.get(line.order_line_id, 0), tuple(numbers.get(line.order_line_id, ())))
        for line in plan.lines
    ]
    now = datetime.now(UTC)
    rows = [
        PORow(
            po,
            automatic.get(po.vendor_id, False),
            writes.po_sends.get(str(po.id)),
            po.days_late(now),
            po.vendor_id in by_email,
        )
        for po in pos
    ]
    return OrderWidgetView(
        OrderView(order, plan), lines, rows, shipments, writes.unfinished, margins
    )
