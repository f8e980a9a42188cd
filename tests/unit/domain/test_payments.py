"""How a charge ends, read from its transaction's events (shapes as recorded from Saleor 3.23.28
in ../shared/saleor/responses/payments/), what is left to charge, and amounts as shown."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.domain.payments import (
    AttemptStatus,
    OrderPayments,
    PaymentAction,
    Transaction,
    TransactionEvent,
    conclude,
    format_money,
)

AT = datetime(2026, 12, 1, 2, 39, 50, tzinfo=UTC)
AUTH = TransactionEvent("e1", "AUTHORIZATION_SUCCESS", Decimal(25), "", "", AT, "App")


def event(id_: str, kind: str, by: str | None = "App", message: str = "", psp: str = ""):
    return TransactionEvent(id_, kind, Decimal(25), message, psp, AT, by)


def transaction(*events: TransactionEvent, authorized="25", charged="0", actions=("CHARGE",)):
    return Transaction(
        id="t1",
        name="Stub card",
        psp_reference="auth-1",
        actions=frozenset(actions),
        currency="USD",
        authorized=Decimal(authorized),
        charged=Decimal(charged),
        charge_pending=Decimal(0),
        canceled=Decimal(0),
        events=(*events, AUTH),  # newest first
        owned_by_app=True,
    )


def payments(*transactions: Transaction, charge_status="NONE", charged="0") -> OrderPayments:
    return OrderPayments(
        order_id="o1",
        number="34",
        currency="USD",
        total=Decimal(25),
        charged_total=Decimal(charged),
        charge_status=charge_status,
        customer_email="ada@example.com",
        channel_name="Default",
        transactions=transactions,
    )


KNOWN = ("e1",)


def test_only_the_request_is_pending():
    found = conclude(transaction(event("e2", "CHARGE_REQUEST")), PaymentAction.CHARGE, KNOWN)

    assert (found.status, found.requested) == (AttemptStatus.PENDING, True)


def test_no_new_request_event_means_saleor_never_took_it():
    assert conclude(transaction(), PaymentAction.CHARGE, KNOWN).status is AttemptStatus.UNKNOWN


def test_the_payment_apps_success_is_approved_with_its_reference():
    tx = transaction(
        event("e3", "CHARGE_SUCCESS", psp="stub-1", message="Charged by stub"),
        event("e2", "CHARGE_REQUEST", by="App", psp="stub-1"),
    )

    found = conclude(tx, PaymentAction.CHARGE, KNOWN)

    assert (found.status, found.psp_reference, found.amount) == (
        AttemptStatus.APPROVED,
        "stub-1",
        Decimal(25),
    )


def test_the_payment_apps_failure_is_a_decline_with_its_message():
    tx = transaction(
        event("e3", "CHARGE_FAILURE", message="Card declined: insufficient funds"),
        event("e2", "CHARGE_REQUEST"),
    )

    found = conclude(tx, PaymentAction.CHARGE, KNOWN)

    assert (found.status, found.message) == (
        AttemptStatus.DECLINED,
        "Card declined: insufficient funds",
    )


def test_a_failure_saleor_wrote_itself_is_no_answer_not_a_decline():
    tx = transaction(
        event("e3", "CHARGE_FAILURE", by=None, message="Failed to delivery request."),
        event("e2", "CHARGE_REQUEST"),
    )

    assert conclude(tx, PaymentAction.CHARGE, KNOWN).status is AttemptStatus.NO_ANSWER


def test_an_earlier_charges_events_do_not_conclude_a_new_request():
    """charge_twice_second: the first charge's success is known; the new request is pending."""
    tx = transaction(
        event("e4", "CHARGE_REQUEST"),
        event("e3", "CHARGE_SUCCESS"),
        event("e2", "CHARGE_REQUEST"),
    )

    found = conclude(tx, PaymentAction.CHARGE, ("e1", "e2", "e3"))

    assert found.status is AttemptStatus.PENDING


def test_a_void_ends_on_cancel_events():
    tx = transaction(event("e3", "CANCEL_SUCCESS"), event("e2", "CANCEL_REQUEST"))

    assert conclude(tx, PaymentAction.CANCEL, KNOWN).status is AttemptStatus.APPROVED
    assert conclude(tx, PaymentAction.CHARGE, KNOWN).status is AttemptStatus.UNKNOWN


def test_what_is_left_to_charge_is_the_authorisation_of_the_chargeable_transaction():
    order = payments(transaction(authorized="12.5", charged="12.5"), charged="12.5")

    assert order.amount_to_charge == Decimal("12.50")
    assert order.no_gateway_reason() is None
    assert not order.is_fully_charged


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (payments(), "no payment transaction"),
        (payments(transaction(actions=("REFUND",))), "offers a charge"),
    ],
)
def test_no_gateway_when_nothing_can_be_charged(order, reason):
    assert reason in (order.no_gateway_reason() or "")
    assert order.amount_to_charge == 0


def test_a_fully_charged_order_has_nothing_to_charge():
    order = payments(transaction(authorized="0", charged="25"), charge_status="FULL", charged="25")

    assert order.is_fully_charged and order.amount_to_charge == 0


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("25", "USD", "$25.00"),
        ("1234.5", "EUR", "€1,234.50"),
        ("0.005", "GBP", "£0.01"),
        ("1200", "JPY", "¥1,200"),
        ("1.2345", "KWD", "1.235 KWD"),
        ("12", "SEK", "12.00 SEK"),
    ],
)
def test_amounts_are_formatted_for_their_currency(amount, currency, shown):
    assert format_money(Decimal(amount), currency) == shown
