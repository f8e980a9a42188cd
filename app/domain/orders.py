"""The app's order: Saleor's order as typed facts, and the drop-ship state the app owns.

``OrderInfo`` and its parts are what the Saleor adapter parses from Saleor's answers (the model
is Saleor core's ``order/fetch.py`` "info" objects); nothing outside ``app/adapters`` reads
Saleor's JSON. ``Order`` adds the drop-ship state with its transitions and the one rule that
decides "Complete": every drop-shipped line is fulfilled in Saleor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.domain.errors import RuleViolation
from app.domain.money import Money

CLOSED_ORDER_STATUSES = ("CANCELED", "DRAFT", "EXPIRED")


class OrderErrorCode(StrEnum):
    """Why an order action was refused."""

    LINES_UNFULFILLED = "order_lines_unfulfilled"
    ALREADY_CONFIRMED = "order_already_confirmed"
    CLOSED = "order_closed"


class DropShipState(StrEnum):
    """Where the order stands for the merchant (Saleor has no such status: kept in metadata)."""

    NEW = "new"
    IN_PROCESS = "in_process"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {"new": "New", "in_process": "In Process", "complete": "Complete"}[self.value]


@dataclass(frozen=True)
class Address:
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    street_address_1: str = ""
    street_address_2: str = ""
    city: str = ""
    postal_code: str = ""
    country_code: str = ""
    country_area: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Allocation:
    """Stock Saleor reserved for a line in one warehouse."""

    warehouse_id: str
    warehouse_name: str
    quantity: int


@dataclass(frozen=True)
class OrderLine:
    id: str
    product_id: str | None
    variant_id: str | None
    sku: str
    product_name: str
    variant_name: str
    quantity: int
    quantity_fulfilled: int
    unit_price: Money | None = None
    allocations: tuple[Allocation, ...] = ()

    @property
    def is_fulfilled(self) -> bool:
        return self.quantity_fulfilled >= self.quantity

    @property
    def allocated_warehouse_id(self) -> str | None:
        """The warehouse Saleor reserved stock in (first positive allocation), if any."""
        return next((a.warehouse_id for a in self.allocations if a.quantity > 0), None)


class FulfilmentStatus(StrEnum):
    """The Saleor fulfilment statuses the app acts on (others pass through as text)."""

    FULFILLED = "FULFILLED"
    WAITING_FOR_APPROVAL = "WAITING_FOR_APPROVAL"
    CANCELED = "CANCELED"


@dataclass(frozen=True)
class Fulfilment:
    """A Saleor fulfilment: quantities per order line, summed over its lines."""

    id: str
    status: str
    tracking_number: str
    warehouse_id: str | None
    quantities: tuple[tuple[str, int], ...]

    @property
    def is_cancelled(self) -> bool:
        return self.status == FulfilmentStatus.CANCELED

    @property
    def ships_goods(self) -> bool:
        """Fulfilled, or waiting for approval: the goods are (about to be) on their way."""
        return self.status in (FulfilmentStatus.FULFILLED, FulfilmentStatus.WAITING_FOR_APPROVAL)


def is_older_answer(incoming_updated_at: str, stored_updated_at: str) -> bool:
    """Whether an answer about an order is older than the copy already stored.

    Saleor bumps ``updatedAt`` on every save of the order (``updated_at`` is ``auto_now`` in
    saleor/order/models.py), so of two answers that race (two workers fulfilling two POs of one
    order) the one with the earlier ``updatedAt`` is stale and must not replace the later one.
    Unknown or unreadable times are never "older" (the answer is stored, as before)."""
    try:
        incoming = datetime.fromisoformat(incoming_updated_at)
        stored = datetime.fromisoformat(stored_updated_at)
    except ValueError:
        return False
    if (incoming.tzinfo is None) != (stored.tzinfo is None):
        return False
    return incoming < stored


@dataclass(frozen=True)
class OrderInfo:
    """An order as Saleor last answered it. ``raw`` is Saleor's JSON, kept for audit only."""

    id: str
    number: str
    status: str
    updated_at: str = ""
    customer_email: str = ""
    shipping_address: Address | None = None
    lines: tuple[OrderLine, ...] = ()
    fulfilments: tuple[Fulfilment, ...] = ()
    is_paid: bool = False
    charge_status: str = ""
    total: Money | None = None
    created_at: datetime | None = None
    shipping_method_name: str = ""  # the shipping service the customer chose, as Saleor names it
    authorize_status: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.id == line_id), None)

    @property
    def product_ids(self) -> list[str]:
        return [line.product_id for line in self.lines if line.product_id]

    def with_fulfilled(self, quantities: Mapping[str, int]) -> OrderInfo:
        """This order with ``quantities`` more fulfilled per line (negative: cancelled), for
        when no Saleor answer came back with the order after the app's own write."""
        lines = tuple(
            replace(line, quantity_fulfilled=line.quantity_fulfilled + quantities.get(line.id, 0))
            for line in self.lines
        )
        return replace(self, lines=lines)


@dataclass
class Order:
    """The app's copy of an order and its drop-ship state, changed only by the transitions below."""

    info: OrderInfo
    state: DropShipState = DropShipState.NEW
    state_note: str | None = None

    @property
    def saleor_order_id(self) -> str:
        return self.info.id

    @property
    def number(self) -> str:
        return self.info.number

    @property
    def status(self) -> str:
        return self.info.status

    @property
    def updated_at(self) -> str:
        return self.info.updated_at

    @property
    def line_count(self) -> int:
        return len(self.info.lines)

    @property
    def is_closed(self) -> bool:
        return self.info.status in CLOSED_ORDER_STATUSES

    @property
    def is_cancelled(self) -> bool:
        """Cancelled in Saleor (its POs follow: app/services/order_cancellations.py)."""
        return self.info.status == "CANCELED"

    @property
    def can_complete(self) -> bool:
        """The merchant may complete it (by hand, with a reason while lines are unfulfilled)."""
        return self.state is DropShipState.IN_PROCESS

    def unfulfilled(self, drop_shipped_line_ids: Iterable[str]) -> list[OrderLine]:
        """The drop-shipped lines Saleor has not fully fulfilled yet."""
        wanted = set(drop_shipped_line_ids)
        return [line for line in self.info.lines if line.id in wanted and not line.is_fulfilled]

    def is_fully_fulfilled(self, drop_shipped_line_ids: Iterable[str]) -> bool:
        """THE rule for "Complete": at least one drop-shipped line, and every one fulfilled."""
        wanted = set(drop_shipped_line_ids)
        if not any(line.id in wanted for line in self.info.lines):
            return False
        return not self.unfulfilled(wanted)

    def start_processing(self) -> bool:
        """New -> In Process (purchase orders were created); True when the state changed."""
        if self.state is not DropShipState.NEW:
            return False
        self.state = DropShipState.IN_PROCESS
        return True

    def complete(self, drop_shipped_line_ids: Iterable[str], *, reason: str = "") -> None:
        """Complete when every drop-shipped line is fulfilled, or by hand with a reason."""
        open_lines = self.unfulfilled(drop_shipped_line_ids)
        if open_lines and not reason.strip():
            names = ", ".join(line.product_name for line in open_lines)
            raise RuleViolation(
                f"Not yet fulfilled: {names}. Give a reason to complete the order anyway.",
                code=OrderErrorCode.LINES_UNFULFILLED,
                field="reason",
            )
        self.state, self.state_note = DropShipState.COMPLETE, reason.strip() or None

    def reopen(self) -> None:
        """Complete -> In Process (a shipment was cancelled after the order completed)."""
        self.state, self.state_note = DropShipState.IN_PROCESS, None

    def follow_fulfilments(self, drop_shipped_line_ids: Iterable[str]) -> str | None:
        """Complete or reopen as Saleor's fulfilments say; returns the note, None if unchanged.

        An order the merchant completed with a reason stays complete.
        """
        ids = set(drop_shipped_line_ids)
        done = self.is_fully_fulfilled(ids)
        if done and self.state is not DropShipState.COMPLETE:
            self.complete(ids)
            return "Drop-ship order complete: every drop-shipped line is fulfilled."
        if not done and self.state is DropShipState.COMPLETE and self.state_note is None:
            self.reopen()
            return "Drop-ship order back in process: a shipment was cancelled."
        return None

    def ensure_confirmable(self) -> None:
        if self.info.status != "UNCONFIRMED":
            raise RuleViolation(
                f"This order is already confirmed ({self.info.status.lower()}).",
                code=OrderErrorCode.ALREADY_CONFIRMED,
            )
