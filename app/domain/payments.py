"""Payments: an order's Saleor transactions as typed facts, and how a charge or a void ends.

Saleor's ``transactionRequestAction`` answers at once with only a ``*_REQUEST`` event; the
payment app behind the transaction is called in the background and its answer lands later as a
``*_SUCCESS`` or ``*_FAILURE`` event (recorded from Saleor 3.23.28). A failure Saleor wrote
itself (no creator: "Failed to delivery request.") means the payment app did not answer; a
failure the payment app wrote is its decline. Nothing here reads Saleor's JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.domain.money import quantize


class PaymentAction(StrEnum):
    """What the app asks a transaction's payment app to do (``TransactionActionEnum``)."""

    CHARGE = "CHARGE"
    CANCEL = "CANCEL"

    @property
    def request_event(self) -> str:
        return f"{self.value}_REQUEST"

    @property
    def success_event(self) -> str:
        return f"{self.value}_SUCCESS"

    @property
    def failure_event(self) -> str:
        return f"{self.value}_FAILURE"


class AttemptStatus(StrEnum):
    """Where one charge (or void) attempt stands. The first three are "in flight": the database
    holds at most one such attempt per order and action."""

    REQUESTING = "requesting"  # recorded, Saleor not asked yet (or the answer is awaited)
    UNKNOWN = "unknown"  # the request timed out: Saleor may or may not have it
    PENDING = "pending"  # Saleor has the request, no final event yet
    APPROVED = "approved"
    DECLINED = "declined"
    NO_ANSWER = "no_answer"  # Saleor wrote the failure itself: the payment app did not answer
    NO_GATEWAY = "no_gateway"
    NOTHING_TO_DO = "nothing_to_do"  # nothing authorised is left to charge (or to void)
    FAILED = "failed"  # Saleor refused the request for another reason

    @property
    def in_flight(self) -> bool:
        return self in IN_FLIGHT


IN_FLIGHT = frozenset({AttemptStatus.REQUESTING, AttemptStatus.UNKNOWN, AttemptStatus.PENDING})


@dataclass(frozen=True)
class TransactionEvent:
    id: str
    type: str
    amount: Decimal
    message: str
    psp_reference: str
    created_at: datetime | None
    created_by: str | None  # "App" / "User" (``__typename``), None when Saleor wrote it

    @property
    def written_by_saleor(self) -> bool:
        return self.created_by is None


@dataclass(frozen=True)
class Transaction:
    id: str
    name: str
    psp_reference: str
    actions: frozenset[str]
    currency: str
    authorized: Decimal
    charged: Decimal
    charge_pending: Decimal
    canceled: Decimal
    events: tuple[TransactionEvent, ...]  # newest first, as Saleor lists them
    owned_by_app: bool  # created by an app: a payment app stands behind it

    def offers(self, action: PaymentAction) -> bool:
        return action.value in self.actions

    @property
    def event_ids(self) -> frozenset[str]:
        return frozenset(event.id for event in self.events)

    def events_since(self, known: Iterable[str]) -> list[TransactionEvent]:
        """Events not in ``known``, oldest first."""
        seen = set(known)
        return [event for event in reversed(self.events) if event.id not in seen]


@dataclass(frozen=True)
class OrderPayments:
    """What the app needs to charge an order: its transactions and totals."""

    order_id: str
    number: str
    currency: str
    total: Decimal
    charged_total: Decimal
    charge_status: str
    customer_email: str
    channel_name: str
    transactions: tuple[Transaction, ...]

    @property
    def is_fully_charged(self) -> bool:
        return self.charge_status in ("FULL", "OVERCHARGED") or (
            self.total > 0 and self.charged_total >= self.total
        )

    def transaction(self, transaction_id: str) -> Transaction | None:
        return next((t for t in self.transactions if t.id == transaction_id), None)

    def chargeable(self) -> Transaction | None:
        """The transaction to charge: it offers CHARGE and holds an authorisation."""
        return next(
            (t for t in self.transactions if t.offers(PaymentAction.CHARGE) and t.authorized > 0),
            None,
        )

    @property
    def amount_to_charge(self) -> Decimal:
        """Authorised and not yet charged (nor being charged) on the chargeable transaction."""
        found = self.chargeable()
        return quantize(found.authorized) if found else Decimal("0.00")

    def voidable(self) -> list[Transaction]:
        return [t for t in self.transactions if t.offers(PaymentAction.CANCEL) and t.authorized > 0]

    @property
    def charge_pending(self) -> Decimal:
        return sum((t.charge_pending for t in self.transactions), Decimal("0"))

    def no_gateway_reason(self) -> str | None:
        """Why nothing can be charged, or None when a transaction can be charged."""
        if not self.transactions:
            return "The order has no payment transaction."
        if not any(t.offers(PaymentAction.CHARGE) for t in self.transactions):
            return "No payment transaction of the order offers a charge."
        return None


@dataclass(frozen=True)
class Conclusion:
    """How an attempt stands after reading its transaction again."""

    status: AttemptStatus
    message: str = ""
    psp_reference: str = ""
    amount: Decimal | None = None
    at: datetime | None = None
    requested: bool = False  # Saleor holds the attempt's request event


def conclude(
    transaction: Transaction, action: PaymentAction, known_event_ids: Iterable[str]
) -> Conclusion:
    """The attempt's state from the events its request added (those not known before it).

    No new request event: Saleor never took the request (the caller may ask again). A new
    request and a final event: approved, declined (the payment app's failure, with its message)
    or no answer (a failure Saleor wrote itself). Else pending.
    """
    new = transaction.events_since(known_event_ids)
    requests = [e for e in new if e.type == action.request_event]
    if not requests:
        return Conclusion(AttemptStatus.UNKNOWN)
    for event in new:
        if event.type == action.success_event:
            return Conclusion(
                AttemptStatus.APPROVED,
                event.message,
                event.psp_reference,
                event.amount,
                event.created_at,
                True,
            )
        if event.type == action.failure_event:
            status = AttemptStatus.NO_ANSWER if event.written_by_saleor else AttemptStatus.DECLINED
            return Conclusion(
                status, event.message, event.psp_reference, event.amount, event.created_at, True
            )
    return Conclusion(AttemptStatus.PENDING, requested=True, amount=requests[0].amount)


# Currency display: symbol before the amount, and the number of minor digits.
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
    "MXN": "MX$",
    "CHF": "CHF ",
    "PLN": "PLN ",
}
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}


def format_money(amount: Decimal, currency: str) -> str:
    """``$1,234.50``, ``€12.00``, ``¥1,200``, ``12.00 SEK`` (symbol when it is unambiguous)."""
    digits = _MINOR_DIGITS.get(currency, 2)
    step = Decimal(1).scaleb(-digits)
    text = f"{amount.quantize(step, rounding=ROUND_HALF_UP):,.{digits}f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@dataclass(frozen=True)
class PaymentAttempt:
    """One charge (or void) the app asked Saleor for: who asked, how much, how it ended."""

    id: int
    order_id: str
    action: PaymentAction
    status: AttemptStatus
    requested_by: str
    created_at: datetime
    transaction_id: str | None = None
    amount: Decimal | None = None
    currency: str = ""
    message: str = ""
    psp_reference: str = ""
    known_event_ids: tuple[str, ...] | None = None  # the transaction's events before the request
    requested_at: datetime | None = None
    finished_at: datetime | None = None
    checked_at: datetime | None = None
    email_sent_at: datetime | None = None
    email_sent_to: str = ""

    @property
    def in_flight(self) -> bool:
        return self.status.in_flight
