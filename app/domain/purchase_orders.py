"""Purchase orders: one per vendor per order, their lines, numbers and lifecycle."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.money import Money
from app.domain.orders import CLOSED_ORDER_STATUSES, Address, OrderErrorCode
from app.domain.plans import DropShipPlan
from app.domain.po_changes import POChanges, SentLine
from app.domain.ship_by import ship_by_date
from app.domain.vendor_answers import LineAnswer, LineResponse
from app.domain.vendors import IntegrationKind, ProductVendor, Vendor

DEFAULT_NUMBER_PATTERN = "{order}-{n}"
AUTOMATION = "automation"
SHIPPED_BEFORE_CANCEL = "order cancelled after shipping"  # the history entry that flags it
CHANGED_SINCE_SENT = "changed since sent"


class PurchaseOrderErrorCode(StrEnum):
    """Why a purchase order action was refused."""

    NOT_ALLOWED_IN_STATUS = "purchase_order_not_allowed_in_status"
    REASON_REQUIRED = "purchase_order_reason_required"
    NUMBER_PATTERN = "purchase_order_number_pattern"
    NO_SHIPPING_ADDRESS = "purchase_order_no_shipping_address"
    VENDOR_UNAVAILABLE = "purchase_order_vendor_unavailable"
    CURRENCY_MISMATCH = "purchase_order_currency_mismatch"
    NOTHING_TO_ORDER = "purchase_order_nothing_to_order"
    SHIPPING_COST = "purchase_order_shipping_cost"
    NOTHING_TO_AMEND = "purchase_order_nothing_to_amend"


class POStatus(StrEnum):
    CREATED = "created"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    SEND_FAILED = "send_failed"
    # The order was cancelled after the PO was sent: the vendor is asked to cancel it too, and
    # the PO holds its lines until the vendor (or the merchant for them) confirms.
    CANCEL_REQUESTED = "cancel_requested"

    @property
    def is_open(self) -> bool:
        """A cancelled PO releases its lines; every other PO holds them."""
        return self is not POStatus.CANCELLED

    @property
    def label(self) -> str:
        if self is POStatus.CANCEL_REQUESTED:
            return "Cancellation requested"
        return self.value.replace("_", " ").capitalize()


# Sent and not fully shipped: the vendor owes a shipment (a late PO is one of these).
AWAITING_SHIPMENT = frozenset({POStatus.SENT, POStatus.ACKNOWLEDGED, POStatus.PARTIALLY_SHIPPED})


def days_late(status: POStatus, due_at: datetime | None, now: datetime) -> int:
    """Whole days (at least 1) past the vendor's promise while the vendor owes a shipment;
    0 when the PO is not late."""
    if due_at is None or status not in AWAITING_SHIPMENT or now <= due_at:
        return 0
    return max((now - due_at).days, 1)


_ALLOWED: dict[POStatus, frozenset[POStatus]] = {
    POStatus.CREATED: frozenset({POStatus.SENT, POStatus.SEND_FAILED, POStatus.CANCELLED}),
    POStatus.SEND_FAILED: frozenset({POStatus.SENT, POStatus.SEND_FAILED, POStatus.CANCELLED}),
    POStatus.SENT: frozenset(
        {
            POStatus.SENT,
            POStatus.ACKNOWLEDGED,
            POStatus.PARTIALLY_SHIPPED,
            POStatus.SHIPPED,
            POStatus.CANCELLED,
            POStatus.CANCEL_REQUESTED,
        }
    ),
    POStatus.ACKNOWLEDGED: frozenset(
        {
            POStatus.PARTIALLY_SHIPPED,
            POStatus.SHIPPED,
            POStatus.CANCELLED,
            POStatus.CANCEL_REQUESTED,
        }
    ),
    POStatus.CANCEL_REQUESTED: frozenset(
        {
            POStatus.CANCEL_REQUESTED,
            POStatus.CANCELLED,
            POStatus.PARTIALLY_SHIPPED,
            POStatus.SHIPPED,
        }
    ),
    POStatus.PARTIALLY_SHIPPED: frozenset({POStatus.PARTIALLY_SHIPPED, POStatus.SHIPPED}),
    POStatus.SHIPPED: frozenset(),
    POStatus.CANCELLED: frozenset(),
}


def can_transition(current: POStatus, target: POStatus) -> bool:
    return target in _ALLOWED[current]


@dataclass(frozen=True)
class POLine:
    order_line_id: str
    sku: str
    vendor_sku: str
    product_name: str
    variant_name: str
    quantity: int
    unit_cost: Money
    unit_price: Money | None = None  # the customer's price, for margins (None: not known)

    @property
    def total(self) -> Money:
        return self.unit_cost.times(self.quantity)


@dataclass(frozen=True)
class POEvent:
    """One recorded fact on a PO: who did what, when."""

    at: datetime
    actor: str
    action: str
    detail: str = ""


@dataclass
class PurchaseOrder:
    number: str
    sequence: int
    saleor_order_id: str
    order_number: str
    vendor_id: int
    vendor_name: str
    currency: str
    ship_to: Address
    customer_email: str
    lines: list[POLine]
    status: POStatus = POStatus.CREATED
    created_at: datetime | None = None
    sent_at: datetime | None = None
    sent_via: str | None = None
    failure_reason: str | None = None
    revision: int = 0
    events: list[POEvent] = field(default_factory=list)
    due_at: datetime | None = None
    id: int | None = None
    requested_service: str = ""  # the customer's shipping service in Saleor
    ship_by: date | None = None
    shipping_cost: Money | None = None  # the vendor's shipping charge, for margins
    # The vendor's latest answer per order line (portal, API): confirmed, backordered, cancelled.
    line_answers: dict[str, LineResponse] = field(default_factory=dict)
    # The order changed in Saleor after the PO was sent (the flag): what differs, not applied.
    changes: POChanges | None = None
    # The last change applied to the PO and the revision that carries it to the vendor.
    amendment: POChanges | None = None
    amended_revision: int | None = None

    def set_shipping_cost(self, cost: Money | None, *, actor: str, at: datetime) -> None:
        """The vendor's shipping charge for this PO (None: not known); kept in the history."""
        if cost is not None and cost.currency != self.currency:
            raise RuleViolation(
                f"PO {self.number} is in {self.currency}: enter the shipping cost in it.",
                code=PurchaseOrderErrorCode.CURRENCY_MISMATCH,
                field="shipping_cost",
            )
        if cost is not None and cost.amount < 0:
            raise RuleViolation(
                "The shipping cost cannot be negative.",
                code=PurchaseOrderErrorCode.SHIPPING_COST,
                field="shipping_cost",
            )
        self.shipping_cost = cost.rounded() if cost is not None else None
        detail = f"{self.shipping_cost}" if self.shipping_cost is not None else "cleared"
        self.events.append(POEvent(at, actor, "shipping cost", detail))

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.total
        return total.rounded()

    def _move(self, target: POStatus, actor: str, at: datetime, action: str, detail: str) -> None:
        if not can_transition(self.status, target):
            raise RuleViolation(
                f"PO {self.number} is {self.status.label.lower()}: it cannot be {action}.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )
        self.status = target
        self.events.append(POEvent(at=at, actor=actor, action=action, detail=detail))

    # What the merchant may do now: the pages show exactly these actions.
    def can_send(self, sends_automatically: bool) -> bool:
        """First send, or again after a failure, over the vendor's channel."""
        return sends_automatically and self.status in (POStatus.CREATED, POStatus.SEND_FAILED)

    def can_resend(self, sends_automatically: bool) -> bool:
        """Again: the PO, the cancellation notice of a cancelled order's PO, or an amended PO
        whose send has not gone out yet."""
        if not sends_automatically:
            return False
        return self.status in (POStatus.SENT, POStatus.CANCEL_REQUESTED) or self.amendment_pending

    @property
    def can_mark_sent(self) -> bool:
        """Sent outside the app. A sent PO is not marked again: a new revision goes out with
        Resend (vendors the app sends to), so "marked as sent" never hides a resend."""
        return self.status in (POStatus.CREATED, POStatus.SEND_FAILED)

    @property
    def can_cancel(self) -> bool:
        return can_transition(self.status, POStatus.CANCELLED)

    def mark_sent_by_hand(self, *, actor: str, at: datetime, lead_time_days: int = 0) -> None:
        """The merchant sent the PO outside the app (manual vendors, or after a failed send)."""
        if not self.can_mark_sent:
            raise RuleViolation(
                f"PO {self.number} is {self.status.label.lower()}: it cannot be marked as sent.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )
        self.mark_sent(actor=actor, at=at, via="manual", lead_time_days=lead_time_days)

    def mark_sent(self, *, actor: str, at: datetime, via: str, lead_time_days: int = 0) -> None:
        """Sent (or sent again): each send is a new revision of the document.

        The first send starts the vendor's promise: the PO is due ``lead_time_days`` later
        (a vendor without a lead time makes no promise, so its POs are never late).
        """
        if self.status is POStatus.CANCEL_REQUESTED:
            self.events.append(POEvent(at, actor, "cancellation sent", f"by {via}"))
            self.revision += 1
            return
        if self.amendment_pending:  # the vendor has the PO: its status does not move
            self.revision += 1
            self.events.append(
                POEvent(at, actor, "amendment sent", f"revision {self.revision} by {via}")
            )
            self.sent_at, self.sent_via, self.failure_reason = at, via, None
            return
        action = "resent" if self.status is POStatus.SENT else "sent"
        self._move(POStatus.SENT, actor, at, action, f"by {via}")
        self.revision += 1
        self.sent_at, self.sent_via, self.failure_reason = at, via, None
        if self.due_at is None and lead_time_days > 0:
            self.due_at = at + timedelta(days=lead_time_days)

    def days_late(self, now: datetime) -> int:
        return days_late(self.status, self.due_at, now)

    def record_go_ahead(self, *, actor: str, at: datetime, note: str) -> None:
        """The merchant sent a held order to vendors on purpose (the gate's reasons, and why)."""
        self.events.append(POEvent(at, actor, "gate overridden", note))

    def record_send_failure(self, *, actor: str, at: datetime, reason: str) -> None:
        """A failed first send leaves the PO "send failed"; a failed resend (or amendment)
        keeps its status."""
        if self.status in AWAITING_SHIPMENT:
            self.events.append(POEvent(at, actor, "resend failed", reason))
            return
        self._move(POStatus.SEND_FAILED, actor, at, "send failed", reason)
        self.failure_reason = reason

    def record_vendor_rejection(self, *, actor: str, at: datetime, reason: str) -> None:
        """The vendor's system refused the PO it received (an EDI 997 rejection): it was not
        taken, so the PO is "send failed" with the reason and can be sent again or cancelled."""
        if self.status is not POStatus.SENT:
            self.events.append(POEvent(at, actor, "rejected by vendor", reason))
            return
        self.status = POStatus.SEND_FAILED
        self.failure_reason = f"Rejected by vendor: {reason}"
        self.events.append(POEvent(at, actor, "rejected by vendor", reason))

    def record_send_attempt(self, *, actor: str, at: datetime, attempt: int, of: int) -> None:
        """A send attempt starts (history only: the PO keeps its status until the outcome)."""
        self.events.append(POEvent(at, actor, "sending", f"attempt {attempt} of {of}"))

    def cancel(self, *, actor: str, at: datetime, reason: str) -> None:
        if not reason.strip():
            raise RuleViolation(
                "Give a reason to cancel the PO.",
                code=PurchaseOrderErrorCode.REASON_REQUIRED,
                field="reason",
            )
        self._move(POStatus.CANCELLED, actor, at, "cancelled", reason.strip())

    @property
    def can_request_cancellation(self) -> bool:
        """The vendor has the PO and has not shipped any of it."""
        return self.status in (POStatus.SENT, POStatus.ACKNOWLEDGED)

    @property
    def can_confirm_cancellation(self) -> bool:
        return self.status is POStatus.CANCEL_REQUESTED

    def request_cancellation(self, *, actor: str, at: datetime, reason: str) -> None:
        """Ask the vendor to cancel (the next send of the PO is its cancellation notice)."""
        self._move(POStatus.CANCEL_REQUESTED, actor, at, "cancellation requested", reason)

    def confirm_cancellation(self, *, actor: str, at: datetime, detail: str) -> None:
        """The vendor confirmed (or the merchant says they did): the lines are free again."""
        if not self.can_confirm_cancellation:
            raise RuleViolation(
                f"PO {self.number} is {self.status.label.lower()}: no cancellation to confirm.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )
        self._move(POStatus.CANCELLED, actor, at, "cancellation confirmed", detail)

    @property
    def shipped_before_cancel(self) -> bool:
        """The Saleor order was cancelled after this PO (partly) shipped."""
        return any(event.action == SHIPPED_BEFORE_CANCEL for event in self.events)

    def flag_shipped_before_cancel(self, *, actor: str, at: datetime) -> bool:
        """Left as it is, flagged for the merchant (once): a return may be needed."""
        if self.status not in (POStatus.PARTIALLY_SHIPPED, POStatus.SHIPPED):
            return False
        if self.shipped_before_cancel:
            return False
        self.events.append(POEvent(at, actor, SHIPPED_BEFORE_CANCEL, "A return may be needed."))
        return True

    def acknowledge(self, *, actor: str, at: datetime, detail: str = "") -> None:
        self._move(POStatus.ACKNOWLEDGED, actor, at, "acknowledged", detail)

    @property
    def can_take_vendor_answer(self) -> bool:
        """The vendor has the PO and still owes (some of) it."""
        return self.status in AWAITING_SHIPMENT

    def record_vendor_answer(
        self, responses: tuple[LineResponse, ...], *, actor: str, at: datetime
    ) -> str:
        """The vendor's answer per line: a sent PO becomes acknowledged, each line keeps its
        latest answer, and the history says what the vendor said. Returns that summary."""
        if not self.can_take_vendor_answer:
            raise RuleViolation(
                f"PO {self.number} is {self.status.label.lower()}: it takes no answer now.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )
        labels = {line.order_line_id: line.sku or line.vendor_sku for line in self.lines}
        detail = "; ".join(r.describe(labels.get(r.order_line_id, "?")) for r in responses)
        for response in responses:
            self.line_answers[response.order_line_id] = response
        if self.status is POStatus.SENT:
            self._move(POStatus.ACKNOWLEDGED, actor, at, "acknowledged by vendor", detail)
        else:
            self.events.append(POEvent(at, actor, "answered by vendor", detail))
        return detail

    @property
    def lines_cancelled_by_vendor(self) -> list[POLine]:
        """Lines the vendor said it will not ship: the merchant must find them another way."""
        return [
            line
            for line in self.lines
            if (answer := self.line_answers.get(line.order_line_id)) is not None
            and answer.answer is LineAnswer.CANCELLED
        ]

    def record_shipping(self, target: POStatus, *, actor: str, at: datetime) -> None:
        """The status its shipments give it. A PO that ships was evidently received, so this
        is allowed from created and send failed; a cancelled shipment can move it back."""
        if self.status is POStatus.CANCELLED or target is self.status:
            return
        shipping = (POStatus.PARTIALLY_SHIPPED, POStatus.SHIPPED)
        if target not in shipping and self.status not in shipping:
            raise RuleViolation(
                f"{target.label} is not a shipping status.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )
        action = target.label.lower() if target in shipping else f"back to {target.label.lower()}"
        self.status = target
        self.events.append(POEvent(at, actor, action))

    def ensure_sendable(self) -> None:
        """A first send, a resend, or the cancellation notice of a PO the vendor has."""
        sendable = (
            POStatus.CREATED,
            POStatus.SEND_FAILED,
            POStatus.SENT,
            POStatus.CANCEL_REQUESTED,
        )
        if self.status not in sendable and not self.amendment_pending:
            raise RuleViolation(
                f"PO {self.number} is {self.status.label.lower()}: it cannot be sent.",
                code=PurchaseOrderErrorCode.NOT_ALLOWED_IN_STATUS,
            )

    # The order changed after the PO was sent (ADR 21).
    @property
    def sent_lines(self) -> list[SentLine]:
        return [
            SentLine(line.order_line_id, line.sku, line.product_name, line.quantity)
            for line in self.lines
        ]

    @property
    def is_compared_with_order(self) -> bool:
        """The vendor has the PO and owes (some of) it: a change of the order matters."""
        return self.status in AWAITING_SHIPMENT

    @property
    def is_amended(self) -> bool:
        """Its documents are the amended PO (the change applied last is highlighted)."""
        return (
            self.amendment is not None
            and self.amended_revision is not None
            and self.status is not POStatus.CANCEL_REQUESTED
        )

    @property
    def amended_label(self) -> str:
        return f"AMENDED — revision {self.amended_revision}" if self.is_amended else ""

    @property
    def amendment_pending(self) -> bool:
        """An applied change waits to go out as the next revision."""
        return self.amended_revision == self.revision + 1 and self.is_compared_with_order

    @property
    def can_send_update(self) -> bool:
        """Changes that an amended PO can carry (lines not shipped yet, the address)."""
        if self.changes is None or not self.is_compared_with_order:
            return False
        return not self.changes.applicable().is_empty

    def flag_changes(self, changes: POChanges, *, actor: str, at: datetime) -> bool:
        """Keep the order's difference from the PO (the "changed since sent" flag); an empty
        one clears it. True when the flag changed (the same difference twice is not news)."""
        if changes.is_empty:
            if self.changes is None:
                return False
            self.changes = None
            self.events.append(POEvent(at, actor, "change reverted", "the order matches the PO"))
            return True
        if changes == self.changes:
            return False
        self.changes = changes
        self.events.append(POEvent(at, actor, CHANGED_SINCE_SENT, changes.summary()))
        return True

    def apply_changes(self, *, actor: str, at: datetime) -> POChanges:
        """The PO takes the order's new ship-to and quantities (a removed line is cancelled on
        the PO: quantity 0); the next send is the amended PO. Shipped lines stay as they are
        and stay flagged. Returns what was applied."""
        applied = self.changes.applicable() if self.changes and self.can_send_update else None
        if applied is None or applied.is_empty:
            raise RuleViolation(
                f"PO {self.number} has no change that can be sent to the vendor.",
                code=PurchaseOrderErrorCode.NOTHING_TO_AMEND,
            )
        assert self.changes is not None
        if applied.new_ship_to is not None:
            self.ship_to = applied.new_ship_to
        self.lines = [
            replace(line, quantity=change.new_quantity)
            if (change := applied.line(line.order_line_id)) is not None
            else line
            for line in self.lines
        ]
        blocked = self.changes.blocked()
        self.changes = None if blocked.is_empty else blocked
        self.amendment, self.amended_revision = applied, self.revision + 1
        detail = f"revision {self.amended_revision}: {applied.summary()}"
        self.events.append(POEvent(at, actor, "amended", detail))
        return applied

    def record_amendment_by_hand(self, *, actor: str, at: datetime) -> None:
        """The app cannot send this vendor an amendment: the merchant sends the amended PO
        (its documents say AMENDED) and the revision counts as handed over."""
        if not self.amendment_pending:
            return
        self.revision += 1
        detail = f"revision {self.revision}: send the amended PO to the vendor yourself"
        self.events.append(POEvent(at, actor, "amendment to send by hand", detail))


def po_number(pattern: str, order_number: str, sequence: int) -> str:
    """``{order}`` is the order number and ``{n}`` the PO's sequence within the order."""
    return pattern.replace("{order}", order_number).replace("{n}", str(sequence))


def clean_number_pattern(pattern: str) -> str:
    pattern = pattern.strip()
    if "{n}" not in pattern or "{order}" not in pattern or len(pattern) > 40:
        raise RuleViolation(
            "The PO number pattern needs {order} and {n}, e.g. {order}-{n}.",
            code=PurchaseOrderErrorCode.NUMBER_PATTERN,
            field="po_number_pattern",
        )
    return pattern


@dataclass(frozen=True)
class OrderFacts:
    """What PO creation needs to know about the order besides its plan."""

    status: str
    ship_to: Address | None
    customer_email: str
    requested_service: str = ""
    ordered_on: date | None = None


def draft_purchase_orders(
    plan: DropShipPlan,
    facts: OrderFacts,
    vendors: Mapping[int, Vendor],
    product_vendors: Mapping[tuple[str, int], ProductVendor],
    quantity_on_open_pos: Mapping[str, int],
    next_sequence: int,
    number_pattern: str = DEFAULT_NUMBER_PATTERN,
    created_at: datetime | None = None,
    actor: str = AUTOMATION,
    holidays: Collection[date] = (),
) -> list[PurchaseOrder]:
    """One new PO per vendor for what is ordered and not yet on an open PO, with the
    customer's shipping service and a ship-by date from the vendor's handling days.

    ``product_vendors`` maps (order line id, vendor id) to the entry that prices that line.
    Raises RuleViolation with a message for the merchant when nothing can be ordered.
    """
    if facts.status in CLOSED_ORDER_STATUSES:
        raise RuleViolation(
            f"This order is {facts.status.lower()}: no PO can be created.",
            code=OrderErrorCode.CLOSED,
        )
    if not facts.ship_to:
        raise RuleViolation(
            "This order has no shipping address: the vendor cannot ship it.",
            code=PurchaseOrderErrorCode.NO_SHIPPING_ADDRESS,
        )
    by_vendor: dict[int, list[POLine]] = {}
    for line in plan.lines:
        if line.vendor_id is None:
            continue
        remaining = line.quantity - quantity_on_open_pos.get(line.order_line_id, 0)
        if remaining <= 0:
            continue
        vendor = vendors.get(line.vendor_id)
        entry = product_vendors.get((line.order_line_id, line.vendor_id))
        if vendor is None or entry is None:
            raise RuleViolation(
                f"{line.product_name}: the chosen vendor no longer ships it.",
                code=PurchaseOrderErrorCode.VENDOR_UNAVAILABLE,
            )
        _check_vendor(vendor)
        if entry.unit_cost.currency != vendor.currency:
            raise RuleViolation(
                f"{line.product_name}: the cost is in {entry.unit_cost.currency} but "
                f"{vendor.name} bills in {vendor.currency}.",
                code=PurchaseOrderErrorCode.CURRENCY_MISMATCH,
            )
        by_vendor.setdefault(vendor.id or 0, []).append(
            POLine(
                order_line_id=line.order_line_id,
                sku=line.sku,
                vendor_sku=entry.vendor_sku or line.sku,
                product_name=line.product_name,
                variant_name=line.variant_name,
                quantity=remaining,
                unit_cost=entry.unit_cost,
                unit_price=line.unit_price,
            )
        )
    if not by_vendor:
        if not any(line.is_drop_shipped for line in plan.lines):
            raise RuleViolation(
                "No line of this order has a vendor: choose one for each line.",
                code=PurchaseOrderErrorCode.NOTHING_TO_ORDER,
            )
        raise RuleViolation(
            "Every drop-shipped line is already on a purchase order.",
            code=PurchaseOrderErrorCode.NOTHING_TO_ORDER,
        )
    drafts = []
    for offset, (vendor_id, lines) in enumerate(
        sorted(by_vendor.items(), key=lambda kv: vendors[kv[0]].name)
    ):
        vendor = vendors[vendor_id]
        sequence = next_sequence + offset
        po = PurchaseOrder(
            number=po_number(number_pattern, plan.order_number, sequence),
            sequence=sequence,
            saleor_order_id=plan.saleor_order_id,
            order_number=plan.order_number,
            vendor_id=vendor_id,
            vendor_name=vendor.name,
            currency=vendor.currency,
            ship_to=facts.ship_to,
            customer_email=facts.customer_email,
            lines=lines,
            created_at=created_at,
            requested_service=facts.requested_service,
            ship_by=_ship_by(facts, created_at, vendor.lead_time_days, holidays),
        )
        if created_at is not None:
            po.events.append(
                POEvent(created_at, actor, "created", f"{len(lines)} line(s), {po.total}")
            )
        drafts.append(po)
    return drafts


def _check_vendor(vendor: Vendor) -> None:
    if not vendor.active:
        raise RuleViolation(
            f"{vendor.name} is deactivated: choose another vendor.",
            code=PurchaseOrderErrorCode.VENDOR_UNAVAILABLE,
        )
    if vendor.integration is IntegrationKind.EMAIL and not vendor.emails_to:
        raise RuleViolation(
            f"{vendor.name} has no order email: add one on the Vendors page.",
            code=PurchaseOrderErrorCode.VENDOR_UNAVAILABLE,
        )


def _ship_by(
    facts: OrderFacts, created_at: datetime | None, handling_days: int, holidays: Collection[date]
) -> date | None:
    """From the order's date (the PO's when Saleor gave none)."""
    ordered_on = facts.ordered_on or (created_at.date() if created_at else None)
    if ordered_on is None:
        return None
    return ship_by_date(ordered_on, handling_days, holidays)
