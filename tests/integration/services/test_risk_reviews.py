"""The risk review against the fake Saleor over HTTP (OrderRisk and CustomerOrderCount checked
against the real schema) and Stripe Radar against localstripe on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.adapters.saleor.documents import load_documents, load_schema
from app.adapters.saleor.gateway import SaleorHttpGateway
from app.adapters.stripe_radar import StripeRadar
from app.domain.installations import Installation, SaleorApiUrl
from app.domain.outbound import OutboundStatus, Subject
from app.domain.risk.scoring import Verdict
from app.domain.risk.signals import RadarResult, RadarStatus
from app.errors import Invalid
from app.services import tasks
from app.services.forms import FormInvalid
from app.services.orders import refresh_order
from app.services.risk_reviews import (
    approve_order,
    get_risk_settings,
    queue_missed_reviews,
    reject_order,
    review_order_risk,
    risk_review,
    save_risk_settings,
)
from tests.builders import global_id, make_address, make_line, make_order
from tests.conftest import ROOT, SCHEMA_PATH
from tests.fakes import BrokenTaskQueue, RecordingTaskQueue
from tests.servers.localstripe import WORKING_KEY, LocalStripe
from tests.servers.tcp_proxy import free_port

ALL_SIGNALS = {
    "country_mismatch",
    "high_quantity",
    "disposable_email",
    "freight_forwarder",
    "first_order",
    "several_orders",
    "payment_flag",
    "payment_ip",
}


def card_transaction(psp_reference: str, *events: tuple[str, str]) -> dict[str, Any]:
    """A TransactionItem as Saleor serves it (events newest first), paid by card."""
    money = {"amount": 45.0, "currency": "USD"}
    return {
        "__typename": "TransactionItem",
        "id": global_id("TransactionItem"),
        "name": "Credit card",
        "message": "",
        "pspReference": psp_reference,
        "actions": ["CHARGE", "CANCEL"],
        "authorizedAmount": money,
        "chargedAmount": {"amount": 0.0, "currency": "USD"},
        "paymentMethodDetails": {
            "__typename": "CardPaymentMethodDetails",
            "name": "card",
            "brand": "Visa",
            "firstDigits": "424242",
            "lastDigits": "4242",
            "expMonth": 12,
            "expYear": 2030,
        },
        "events": [
            {
                "__typename": "TransactionEvent",
                "id": global_id("TransactionEvent"),
                "type": kind,
                "message": message,
                "pspReference": psp_reference,
                "createdAt": "2026-11-29T00:38:24+00:00",
                "amount": money,
            }
            for kind, message in events
        ],
    }


def legacy_payment(ip: str = "203.0.113.9") -> dict[str, Any]:
    return {
        "id": global_id("Payment"),
        "gateway": "mirumee.payments.dummy",
        "pspReference": "dummy-1",
        "customerIpAddress": ip,
        "creditCard": {"brand": "visa", "firstDigits": "424242", "lastDigits": "4242",
                       "expMonth": 12, "expYear": 2030},
        "chargeStatus": "FULLY_CHARGED",
    }  # fmt: skip


def customer(email: str) -> dict[str, Any]:
    return {"id": global_id("User"), "email": email}


@dataclass
class RiskShop:
    fake: Any
    uow_factory: Any
    installation_id: int
    saleor: SaleorHttpGateway
    radar: StripeRadar

    def add(self, number: str, **changes: Any) -> str:
        """An order in the fake Saleor; a private customer (no billing company) unless said."""
        changes.setdefault("billingAddress", make_address(companyName=""))
        changes.setdefault("shippingAddress", make_address(companyName=""))
        order = make_order(number=number, **changes)
        self.fake.add_order(order)
        return str(order["id"])

    def review(self, order_id: str, radar: StripeRadar | None = None):
        return review_order_risk(
            self.uow_factory,
            self.saleor,
            radar or self.radar,
            installation_id=self.installation_id,
            order_id=order_id,
        )


def _install(uow_factory, fake_saleor) -> int:
    app = fake_saleor.add_app("Drop-ship", ["MANAGE_ORDERS", "MANAGE_PRODUCTS"], [])
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(fake_saleor.api_url),
                app_id=app.app_id,
                token=app.token,
                jwks={},
            )
        )
        uow.commit()
    assert installation.id is not None
    return installation.id


@pytest.fixture
def risk_shop(uow_factory, fake_saleor) -> RiskShop:
    saleor = SaleorHttpGateway(
        schema=load_schema(SCHEMA_PATH),
        documents=load_documents(ROOT / "graphql"),
        subscriptions=load_documents(ROOT / "webhooks"),
        timeout=5,
        read_retries=1,
        backoff_seconds=0.01,
    )
    closed = StripeRadar(timeout_seconds=1, api_base=f"http://127.0.0.1:{free_port()}")
    return RiskShop(fake_saleor, uow_factory, _install(uow_factory, fake_saleor), saleor, closed)


@pytest.fixture(scope="module")
def localstripe() -> Iterator[LocalStripe]:
    with LocalStripe() as server:
        yield server


def test_every_signal_fires_on_an_order_built_to_trigger_them(risk_shop):
    email = "buyer@mailinator.com"
    for number in ("900", "901"):  # two earlier orders from this email, reviewed
        earlier = risk_shop.add(number, userEmail=email, user=None)
        risk_shop.review(earlier)
    forwarder = make_address(companyName="Shipito", streetAddress1="1010 Forwarding Way",
                             country={"code": "US"})  # fmt: skip
    order_id = risk_shop.add(
        "902",
        userEmail=email,
        user=customer(email),
        billingAddress=make_address(country={"code": "GB"}, postalCode="SW1A 1AA"),
        shippingAddress=forwarder,
        lines=[make_line(quantity=12)],
        payments=[legacy_payment()],
        transactions=[
            card_transaction(
                "pi_3Qx",
                ("AUTHORIZATION_SUCCESS", "Authorized; flagged for review by the risk engine"),
            )
        ],
    )
    # the customer's account has no other order in Saleor under this email: the two guest
    # orders above count too, so make the count 1 by giving those another email afterwards
    for stored in risk_shop.fake.store.orders.values():
        if stored["number"] in ("900", "901"):
            stored["userEmail"] = "someone.else@example.com"

    review = risk_shop.review(order_id)

    codes = {reason.code for reason in review.reasons}
    assert codes == ALL_SIGNALS
    assert review.score == 100  # capped
    assert review.verdict is Verdict.HIGH
    stored = risk_review(risk_shop.uow_factory, risk_shop.installation_id, order_id)
    assert stored is not None and stored.reasons == review.reasons
    assert stored.settings.review_threshold == 30


def test_a_returning_customer_ordering_as_usual_is_low(risk_shop):
    email = "ada@example.com"
    risk_shop.add("700", userEmail=email, user=customer(email))
    order_id = risk_shop.add("701", userEmail=email, user=customer(email))

    review = risk_shop.review(order_id)

    assert (review.score, review.verdict, review.reasons) == (0, Verdict.LOW, ())


def test_first_order_of_an_account_is_counted_in_saleor(risk_shop):
    email = "new.customer@example.com"
    order_id = risk_shop.add("710", userEmail=email, user=customer(email))

    review = risk_shop.review(order_id)

    assert [(r.code, r.text, r.weight) for r in review.reasons] == [
        ("first_order", "First order of this customer.", 10)
    ]


def test_value_far_above_the_shops_usual_once_it_has_enough_orders(risk_shop):
    email = "regular@example.com"
    for n in range(20):
        line, buyer = make_line(quantity=1, price=40.0 + n), f"c{n}@example.com"
        elsewhere = make_address(companyName="", streetAddress1=f"{n} Main Street")
        order_id = risk_shop.add(
            str(800 + n), userEmail=buyer, user=customer(buyer), lines=[line],
            shippingAddress=elsewhere,
        )  # fmt: skip
        risk_shop.review(order_id)
    risk_shop.add("799", userEmail=email, user=customer(email))
    big = risk_shop.add(
        "820", userEmail=email, user=customer(email), lines=[make_line(quantity=1, price=900.0)]
    )

    review = risk_shop.review(big)

    (reason,) = review.reasons
    assert reason.code == "high_value"
    assert "median 49.50 USD over 20 orders" in reason.text


def test_another_shops_orders_are_not_this_shops_history(risk_shop, other_shop):
    email = "twice@example.com"
    earlier = [risk_shop.add(n, userEmail=email, user=customer(email)) for n in ("600", "601")]
    for order_id in earlier:  # reviewed, but stored as the other shop's
        review = risk_shop.review(order_id)
        with risk_shop.uow_factory() as uow:
            [mine] = uow.risk_reviews.history(risk_shop.installation_id, 10)
            uow.risk_reviews.save(other_shop, review, mine)
            uow.commit()
        _forget_reviews(risk_shop)
    order_id = risk_shop.add("602", userEmail=email, user=customer(email))

    review = risk_shop.review(order_id)

    assert "several_orders" not in {r.code for r in review.reasons}
    with risk_shop.uow_factory() as uow:
        assert len(uow.risk_reviews.history(other_shop, 10)) == 2
    third = risk_shop.review(risk_shop.add("603", userEmail=email, user=customer(email)))
    assert "several_orders" not in {r.code for r in third.reasons}  # 2 here: 602 and 603
    fourth = risk_shop.review(risk_shop.add("604", userEmail=email, user=customer(email)))
    assert "several_orders" in {r.code for r in fourth.reasons}


def _forget_reviews(shop: RiskShop) -> None:
    from app.adapters.db import tables

    with shop.uow_factory() as uow:
        table = tables.risk_reviews
        uow._connection.execute(
            table.delete().where(table.c.installation_id == shop.installation_id)
        )
        uow.commit()


def test_a_recomputation_keeps_one_review_per_order(risk_shop):
    order_id = risk_shop.add("620", user=None)
    risk_shop.review(order_id)
    risk_shop.fake.store.orders[order_id]["lines"] = [make_line(quantity=50)]

    again = risk_shop.review(order_id)

    assert {r.code for r in again.reasons} == {"guest_checkout", "high_quantity"}
    with risk_shop.uow_factory() as uow:
        assert [p.order_id for p in uow.risk_reviews.history(risk_shop.installation_id, 10)] == [
            order_id
        ]


# --- settings ----------------------------------------------------------------------------


def test_settings_change_the_weights_and_the_stripe_key_is_stored_encrypted(risk_shop, engine):
    save_risk_settings(
        risk_shop.uow_factory,
        risk_shop.installation_id,
        {"weight_guest": "40", "review_threshold": "35", "stripe_key": "rk_test_51abcDEF"},
    )
    order_id = risk_shop.add("630", user=None)

    review = risk_shop.review(order_id)

    assert review.score == 40 and review.verdict is Verdict.REVIEW
    assert review.settings.review_threshold == 35
    view = get_risk_settings(risk_shop.uow_factory, risk_shop.installation_id)
    assert view.stripe_key_stored
    with engine.connect() as connection:
        raw = connection.exec_driver_sql("SELECT stripe_key_encrypted FROM risk_settings").scalar()
    assert raw and "rk_test_51abcDEF" not in raw


def test_settings_refuse_keys_that_are_not_stripe_keys(risk_shop):
    with pytest.raises(FormInvalid) as refused:
        save_risk_settings(
            risk_shop.uow_factory, risk_shop.installation_id, {"stripe_key": "pk_live_abc"}
        )
    assert set(refused.value.errors) == {"stripe_key"}


# --- Stripe Radar against localstripe ---------------------------------------------------------


def _with_stripe(risk_shop, key: str) -> None:
    save_risk_settings(risk_shop.uow_factory, risk_shop.installation_id, {"stripe_key": key})


def test_radar_is_read_for_the_orders_payment_intent(risk_shop, localstripe):
    _with_stripe(risk_shop, WORKING_KEY)
    intent = localstripe.paid_payment_intent()
    email = "radar@example.com"
    risk_shop.add("640", userEmail=email, user=customer(email))
    order_id = risk_shop.add(
        "641", userEmail=email, user=customer(email),
        transactions=[card_transaction(intent, ("CHARGE_SUCCESS", ""))],
    )  # fmt: skip

    review = risk_shop.review(order_id, StripeRadar(timeout_seconds=5, api_base=localstripe.url))

    # localstripe's charges have no Radar `outcome`: the review says so (see its module)
    assert [(r.code, r.text, r.weight) for r in review.reasons] == [
        ("radar_not_assessed", f"Stripe Radar: no risk assessment on the charge of {intent}.", 0)
    ]


def test_a_refused_key_never_blocks_the_review(risk_shop, localstripe):
    _with_stripe(risk_shop, "rk_test_refusedByLocalstripe")  # localstripe refuses non-sk_ keys
    intent = localstripe.paid_payment_intent()
    order_id = risk_shop.add("650", user=None, transactions=[card_transaction(intent)])

    review = risk_shop.review(order_id, StripeRadar(timeout_seconds=5, api_base=localstripe.url))

    texts = {r.code: r.text for r in review.reasons}
    assert texts["radar_key_refused"] == "Stripe: key refused (check the key in Settings)."
    assert "guest_checkout" in texts  # the rest of the review is there
    assert risk_review(risk_shop.uow_factory, risk_shop.installation_id, order_id) is not None


def test_stripe_unreachable_never_blocks_the_review(risk_shop):
    _with_stripe(risk_shop, WORKING_KEY)
    order_id = risk_shop.add("660", user=None, transactions=[card_transaction("pi_unreached")])

    review = risk_shop.review(order_id)  # the fixture's radar points at a closed port

    texts = {r.code: r.text for r in review.reasons}
    assert texts["radar_unavailable"] == "Stripe: unavailable (Radar not read)."
    assert "guest_checkout" in texts


def test_without_a_stripe_key_stripe_is_not_called(risk_shop):
    order_id = risk_shop.add("670", user=None, transactions=[card_transaction("pi_unused")])

    review = risk_shop.review(order_id)

    assert not [r for r in review.reasons if r.code.startswith("radar")]


# --- decisions -------------------------------------------------------------------------------


def test_a_cancellation_applied_before_a_timeout_is_not_sent_again(risk_shop):
    order_id = risk_shop.add("680", user=None)
    with risk_shop.uow_factory() as uow:
        installation = uow.installations.get(risk_shop.installation_id)
    refresh_order(risk_shop.uow_factory, risk_shop.saleor, installation, order_id)
    risk_shop.review(order_id)
    impatient = SaleorHttpGateway(
        schema=load_schema(SCHEMA_PATH),
        documents=load_documents(ROOT / "graphql"),
        subscriptions=load_documents(ROOT / "webhooks"),
        timeout=1,
        read_retries=1,
        backoff_seconds=0.01,
    )
    risk_shop.fake.delay_next_mutation(2.0)  # Saleor cancels, then answers too late

    decided = reject_order(
        risk_shop.uow_factory,
        impatient,
        RecordingTaskQueue(),
        installation_id=risk_shop.installation_id,
        order_id=order_id,
        actor="staff@example.com",
        reason="Card reported stolen",
    )

    assert decided.order_status == "CANCELED"
    events = risk_shop.fake.store.get_order(order_id).get("events") or []
    assert [e["type"] for e in events].count("CANCELED") == 1
    with risk_shop.uow_factory() as uow:
        [write] = uow.outbound.latest(risk_shop.installation_id, Subject.ORDER, [order_id])
        order = uow.orders.get(risk_shop.installation_id, order_id)
    assert (write.channel, write.status, write.attempts) == (
        "saleor.cancel_order",
        OutboundStatus.SENT,
        1,
    )
    assert order.status == "CANCELED"
    with pytest.raises(Invalid, match=r"already rejected by staff@example\.com"):
        approve_order(
            risk_shop.uow_factory,
            risk_shop.saleor,
            RecordingTaskQueue(),
            installation_id=risk_shop.installation_id,
            order_id=order_id,
            actor="other@example.com",
        )


class FingerprintRadar:
    """Stripe as it answers for a card it knows: normal risk, and the card's fingerprint."""

    def read(self, api_key: str, payment_intent: str) -> RadarResult:
        return RadarResult(RadarStatus.READ, payment_intent, "normal", 8, card_fingerprint="fp_1")


def test_stripes_card_fingerprint_finds_the_same_card_across_emails(risk_shop):
    _with_stripe(risk_shop, WORKING_KEY)
    radar = FingerprintRadar()
    for number in ("690", "691", "692"):  # three buyers, three addresses, one card
        elsewhere = make_address(companyName="", streetAddress1=f"{number} Elm Street")
        email = f"buyer{number}@example.com"
        transaction = card_transaction(f"pi_{number}")
        transaction["paymentMethodDetails"] = None  # Saleor knows nothing of the card
        order_id = risk_shop.add(
            number, userEmail=email, user=customer(email), shippingAddress=elsewhere,
            transactions=[transaction],
        )  # fmt: skip
        review = risk_shop.review(order_id, radar)

    texts = {r.code: r.text for r in review.reasons}
    assert texts["several_orders"] == "Several orders within 24 h: 3 from the same card."
    assert texts["radar"] == "Stripe Radar: normal risk, score 8."


# --- reviewed again when the order changes, and the sweep for missed reviews ----------------


def _approve(risk_shop, order_id: str) -> None:
    with risk_shop.uow_factory() as uow:
        installation = uow.installations.get(risk_shop.installation_id)
    refresh_order(risk_shop.uow_factory, risk_shop.saleor, installation, order_id)
    approve_order(
        risk_shop.uow_factory,
        risk_shop.saleor,
        RecordingTaskQueue(),
        installation_id=risk_shop.installation_id,
        order_id=order_id,
        actor="staff@example.com",
    )


def test_a_decided_review_is_kept_when_the_order_changes_and_says_it_changed(risk_shop):
    order_id = risk_shop.add("700", user=None)
    first = risk_shop.review(order_id)
    _approve(risk_shop, order_id)
    risk_shop.fake.store.orders[order_id]["lines"] = [make_line(quantity=50)]

    again = risk_shop.review(order_id)

    assert again.decision is not None and again.decision.value == "approved"
    assert again.decided_by == "staff@example.com"
    assert (again.score, again.reasons) == (first.score, first.reasons)  # not scored again
    assert again.changed_at is not None
    stored = risk_review(risk_shop.uow_factory, risk_shop.installation_id, order_id)
    assert stored == again


def test_a_decided_review_of_an_unchanged_order_is_not_marked(risk_shop):
    order_id = risk_shop.add("701", user=None)
    risk_shop.review(order_id)
    _approve(risk_shop, order_id)
    # a charge adds payment events and a later order raises the customer's count: no change
    risk_shop.add("702", user=None)

    again = risk_shop.review(order_id)

    assert again.changed_at is None
    assert again.decision is not None


def test_an_undecided_review_is_scored_again_and_never_marked_changed(risk_shop):
    order_id = risk_shop.add("703", user=None)
    risk_shop.review(order_id)
    risk_shop.fake.store.orders[order_id]["lines"] = [make_line(quantity=50)]

    again = risk_shop.review(order_id)

    assert "high_quantity" in {r.code for r in again.reasons}
    assert (again.decision, again.changed_at) == (None, None)


def test_the_sweep_queues_the_review_of_orders_stored_without_one(risk_shop, other_shop):
    with risk_shop.uow_factory() as uow:
        installation = uow.installations.get(risk_shop.installation_id)
    missed = risk_shop.add("710", user=None)
    reviewed = risk_shop.add("711", user=None)
    cancelled = risk_shop.add("712", user=None, status="CANCELED")
    for order_id in (missed, reviewed, cancelled):
        refresh_order(risk_shop.uow_factory, risk_shop.saleor, installation, order_id)
    risk_shop.review(reviewed)
    now = datetime.now(UTC)

    too_soon = RecordingTaskQueue()
    assert queue_missed_reviews(risk_shop.uow_factory, too_soon, now=now) == 0
    assert too_soon.tasks == []  # the review task may still be on its way

    queue = RecordingTaskQueue()
    assert queue_missed_reviews(risk_shop.uow_factory, queue, now=now + timedelta(minutes=6)) == 1
    assert queue.tasks == [
        (
            tasks.REVIEW_ORDER_RISK,
            {"installation_id": risk_shop.installation_id, "order_id": missed},
        )
    ]

    long_ago = RecordingTaskQueue()  # older than the sweep looks back: left to "Review now"
    assert queue_missed_reviews(risk_shop.uow_factory, long_ago, now=now + timedelta(days=8)) == 0


def test_the_sweep_skips_uninstalled_shops_and_survives_a_broker_outage(risk_shop):
    with risk_shop.uow_factory() as uow:
        installation = uow.installations.get(risk_shop.installation_id)
    order_id = risk_shop.add("720", user=None)
    refresh_order(risk_shop.uow_factory, risk_shop.saleor, installation, order_id)
    later = datetime.now(UTC) + timedelta(minutes=6)

    assert queue_missed_reviews(risk_shop.uow_factory, BrokenTaskQueue(), now=later) == 0

    with risk_shop.uow_factory() as uow:
        uow.installations.mark_removed(risk_shop.installation_id)
        uow.commit()
    queue = RecordingTaskQueue()
    assert queue_missed_reviews(risk_shop.uow_factory, queue, now=later) == 0
    assert queue.tasks == []
