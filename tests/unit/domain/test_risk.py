"""The risk signals, one by one, and the score and verdict they add up to."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainValidationError
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.risk.facts import (
    PastOrder,
    PaymentEvent,
    RiskFacts,
    RiskLine,
    ShopHistory,
    address_key,
    inputs_digest,
)
from app.domain.risk.places import forwarder_in, is_po_box
from app.domain.risk.scoring import (
    Reason,
    RiskSettings,
    Verdict,
    assess,
    clean_risk_settings,
    verdict_for,
)
from app.domain.risk.signals import (
    RadarResult,
    RadarStatus,
    billing_shipping_mismatch,
    email_domain,
    first_order,
    high_quantity,
    high_value,
    median_and_spread,
    order_reasons,
    payment_risk,
    radar_reasons,
    several_orders,
    shipping_destination,
)

SETTINGS = RiskSettings()
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
HOME = Address(
    first_name="Ada", last_name="Byron", street_address_1="12 Rose Street", city="BERLIN",
    postal_code="10115", country_code="DE",
)  # fmt: skip


def facts(**changes: object) -> RiskFacts:
    base = RiskFacts(
        order_id="O1",
        number="1042",
        created_at=NOW,
        email="ada@example.com",
        user_id="U1",
        customer_order_count=5,
        billing_address=HOME,
        shipping_address=HOME,
        total=Money(Decimal("80.00"), "EUR"),
        lines=(RiskLine("V1", "Shirt", 1),),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def past(n: int, *, total: str = "80", **changes: object) -> PastOrder:
    base = PastOrder(
        order_id=f"P{n}", created_at=NOW - timedelta(days=30), email=f"c{n}@example.com",
        address_key=f"DE|{n} other street", card_key="", ip_addresses=(), total=Decimal(total),
        currency="EUR",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_plain_order_has_no_reason_and_a_low_verdict():
    result = assess(order_reasons(facts(), ShopHistory(), SETTINGS), SETTINGS)
    assert (result.score, result.verdict, result.reasons) == (0, Verdict.LOW, ())


# --- billing and shipping ------------------------------------------------------------------


def test_countries_that_differ_weigh_the_country_setting():
    reason = billing_shipping_mismatch(
        facts(shipping_address=replace(HOME, country_code="NG")), SETTINGS
    )
    assert reason is not None
    assert reason.code == "country_mismatch" and reason.weight == 25
    assert reason.text == "Billing country (DE) differs from shipping country (NG)."


def test_postcodes_that_differ_in_one_country_weigh_less():
    reason = billing_shipping_mismatch(
        facts(shipping_address=replace(HOME, postal_code="80331")), SETTINGS
    )
    assert reason is not None and (reason.code, reason.weight) == ("postcode_mismatch", 10)


def test_postcodes_are_compared_without_spaces_or_case():
    uk = replace(HOME, postal_code="SW1A 1AA", country_code="GB")
    other = replace(uk, postal_code="sw1a1aa")
    assert (
        billing_shipping_mismatch(facts(billing_address=uk, shipping_address=other), SETTINGS)
        is None
    )


def test_a_missing_address_is_not_a_mismatch():
    assert billing_shipping_mismatch(facts(billing_address=None), SETTINGS) is None


# --- value ---------------------------------------------------------------------------------


def history(totals: list[str]) -> ShopHistory:
    return ShopHistory(tuple(past(i, total=t) for i, t in enumerate(totals)))


def test_value_is_not_judged_before_the_shop_has_enough_orders():
    few = history(["80"] * 19)
    assert high_value(facts(total=Money(Decimal("5000"), "EUR")), few, SETTINGS) is None


def test_value_far_above_the_median_fires_with_the_figures():
    usual = history([str(70 + i % 20) for i in range(40)])
    reason = high_value(facts(total=Money(Decimal("900"), "EUR")), usual, SETTINGS)
    assert reason is not None and reason.weight == 25
    assert "median 79.50 EUR over 40 orders" in reason.text


def test_value_within_the_spread_does_not_fire():
    usual = history([str(70 + i % 20) for i in range(40)])
    assert high_value(facts(total=Money(Decimal("95"), "EUR")), usual, SETTINGS) is None


def test_other_currencies_and_the_order_itself_are_not_history():
    usual = history(["80"] * 25)
    usd = Money(Decimal("900"), "USD")
    assert high_value(facts(total=usd), usual, SETTINGS) is None
    with_itself = ShopHistory((*usual.past_orders[:19], past(99, order_id="O1")))
    assert high_value(facts(total=Money(Decimal("900"), "EUR")), with_itself, SETTINGS) is None


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=2), min_size=1, max_size=60))
def test_median_lies_within_the_values_and_the_spread_is_never_negative(values):
    median, spread = median_and_spread(values)
    assert min(values) <= median <= max(values)
    assert spread >= 0


@given(st.lists(st.decimals(min_value=1, max_value=1000, places=2), min_size=20, max_size=60))
def test_an_order_at_or_below_the_median_never_counts_as_high_value(values):
    median, _ = median_and_spread(values)
    order = facts(total=Money(median, "EUR"))
    assert high_value(order, history([str(v) for v in values]), SETTINGS) is None


# --- the customer ----------------------------------------------------------------------------


def test_guest_checkout():
    reason = first_order(facts(user_id=None, customer_order_count=None), SETTINGS)
    assert reason is not None and reason.code == "guest_checkout"


def test_first_order_of_a_customer_with_an_account():
    reason = first_order(facts(customer_order_count=1), SETTINGS)
    assert reason is not None and (reason.code, reason.weight) == ("first_order", 10)


def test_a_returning_customer_or_an_unknown_count_is_no_reason():
    assert first_order(facts(customer_order_count=2), SETTINGS) is None
    assert first_order(facts(customer_order_count=None), SETTINGS) is None


# --- several orders in a short window --------------------------------------------------------


def test_several_orders_from_the_same_email_in_the_window():
    recent = ShopHistory(
        tuple(past(i, email="ADA@example.com", created_at=NOW - timedelta(hours=i)) for i in (1, 2))
    )
    reason = several_orders(facts(), recent, SETTINGS)
    assert reason is not None
    assert reason.text == "Several orders within 24 h: 3 from the same email."


def test_orders_outside_the_window_do_not_count():
    old = ShopHistory(
        tuple(
            past(i, email="ada@example.com", created_at=NOW - timedelta(hours=30)) for i in (1, 2)
        )
    )
    assert several_orders(facts(), old, SETTINGS) is None


def test_same_address_card_and_ip_count_too():
    mine = facts(card_key="visa-4242-12/30", ip_addresses=("203.0.113.9",))
    same = {
        "address_key": address_key(HOME), "card_key": "visa-4242-12/30",
        "ip_addresses": ("203.0.113.9",), "created_at": NOW - timedelta(minutes=5),
    }  # fmt: skip
    reason = several_orders(mine, ShopHistory((past(1, **same), past(2, **same))), SETTINGS)
    assert reason is not None
    assert "3 from the same shipping address, 3 from the same card, 3 from the same IP address" in (
        reason.text
    )


# --- email ---------------------------------------------------------------------------------


def test_disposable_email_domain_from_the_maintained_list():
    reason = email_domain(facts(email="x@mailinator.com"), SETTINGS)
    assert reason is not None and (reason.code, reason.weight) == ("disposable_email", 30)


def test_subdomain_of_a_disposable_domain():
    reason = email_domain(facts(email="x@eu.mailinator.com"), SETTINGS)
    assert reason is not None and reason.code == "disposable_email"


def test_email_domain_not_matching_the_billing_company():
    billing = replace(HOME, company_name="Analytical Engines LLC")
    reason = email_domain(facts(email="ada@cheap-deals.biz", billing_address=billing), SETTINGS)
    assert reason is not None and reason.code == "email_company_mismatch"


@pytest.mark.parametrize(
    "email",
    [
        "ada@analyticalengines.com",
        "ada@engines.co.uk",
        "ada@gmail.com",
        "ada@analytical-engines.de",
    ],
)
def test_matching_company_domains_and_free_mail_are_no_reason(email):
    billing = replace(HOME, company_name="Analytical Engines LLC")
    assert email_domain(facts(email=email, billing_address=billing), SETTINGS) is None


def test_without_a_company_the_domain_is_not_compared():
    assert email_domain(facts(email="ada@whatever.biz"), SETTINGS) is None


# --- destination ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "street",
    [
        "PO Box 123",
        "P.O. Box 9",
        "p o box 77",
        "Post Office Box 5",
        "Postfach 1120",
        "PMB 442",
        "POBox 12",
    ],
)
def test_po_boxes(street):
    assert is_po_box(replace(HOME, street_address_1=street))
    reason = shipping_destination(
        facts(shipping_address=replace(HOME, street_address_1=street)), SETTINGS
    )
    assert reason is not None and reason.code == "po_box"


@pytest.mark.parametrize("street", ["12 Boxwood Lane", "Pope Boxer Street 4", "Postfachweg 2"])
def test_streets_that_only_look_like_po_boxes(street):
    assert not is_po_box(replace(HOME, street_address_1=street))


def test_known_freight_forwarder_in_the_address():
    address = replace(HOME, company_name="MyUS.com", street_address_1="4705 SW 35th Ct")
    reason = shipping_destination(facts(shipping_address=address), SETTINGS)
    assert reason is not None
    assert (reason.code, reason.text) == (
        "freight_forwarder",
        "Ships to a known freight forwarder (myus).",
    )


def test_the_merchants_own_forwarder_words():
    address = replace(HOME, street_address_2="c/o Parcelhub 88")
    settings = replace(SETTINGS, extra_forwarders=("parcelhub",))
    assert forwarder_in(address) is None
    assert forwarder_in(address, settings.extra_forwarders) == "parcelhub"


# --- quantity and payment ------------------------------------------------------------------


def test_high_quantity_adds_up_lines_of_one_variant():
    lines = (RiskLine("V1", "Shirt", 6), RiskLine("V1", "Shirt", 4), RiskLine("V2", "Mug", 1))
    reason = high_quantity(facts(lines=lines), SETTINGS)
    assert reason is not None and reason.text == "High quantity of one variant: 10 of Shirt."
    assert high_quantity(facts(lines=lines[1:]), SETTINGS) is None


def test_payment_failures_and_risk_words_in_transaction_events():
    events = (
        PaymentEvent("AUTHORIZATION_SUCCESS", "Manual adjustment of the transaction."),
        PaymentEvent("INFO", "Flagged as potential fraud by the provider"),
        PaymentEvent("CHARGE_FAILURE", "Card declined"),
    )
    reasons = payment_risk(facts(payment_events=events), SETTINGS)
    assert [r.code for r in reasons] == ["payment_flag"]
    assert reasons[0].text == (
        "The payment app reported: info: Flagged as potential fraud by the provider; "
        "charge failure: Card declined."
    )


def test_the_payment_ip_is_shown_for_information():
    reasons = payment_risk(facts(ip_addresses=("203.0.113.9",)), SETTINGS)
    assert [(r.code, r.weight) for r in reasons] == [("payment_ip", 0)]


# --- Radar ---------------------------------------------------------------------------------


def test_radar_levels_weigh_their_settings():
    highest = RadarResult(RadarStatus.READ, "pi_1", "highest", 91, "block_if_high_risk", "blocked")
    (reason,) = radar_reasons(highest, SETTINGS)
    assert reason.weight == 60
    assert reason.text == (
        "Stripe Radar: highest risk, score 91, rule block_if_high_risk, outcome blocked."
    )
    (normal,) = radar_reasons(RadarResult(RadarStatus.READ, "pi_1", "normal", 12), SETTINGS)
    assert normal.weight == 0


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (RadarStatus.UNAVAILABLE, "Stripe: unavailable (Radar not read)."),
        (RadarStatus.KEY_REFUSED, "Stripe: key refused (check the key in Settings)."),
    ],
)
def test_stripe_trouble_is_said_and_weighs_nothing(status, text):
    (reason,) = radar_reasons(RadarResult(status), SETTINGS)
    assert (reason.text, reason.weight) == (text, 0)


# --- score, verdict, settings ----------------------------------------------------------------


def test_verdict_thresholds():
    assert verdict_for(29, SETTINGS) is Verdict.LOW
    assert verdict_for(30, SETTINGS) is Verdict.REVIEW
    assert verdict_for(60, SETTINGS) is Verdict.HIGH


reasons_strategy = st.lists(
    st.builds(Reason, st.just("x"), st.just("x"), st.integers(min_value=0, max_value=100)),
    max_size=12,
)


@given(reasons_strategy)
def test_score_is_the_capped_sum_and_reasons_come_heaviest_first(reasons):
    result = assess(reasons, SETTINGS)
    assert result.score == min(100, sum(r.weight for r in reasons))
    assert 0 <= result.score <= 100
    assert [r.weight for r in result.reasons] == sorted((r.weight for r in reasons), reverse=True)


@given(reasons_strategy, st.integers(min_value=0, max_value=100))
def test_one_more_reason_never_lowers_the_verdict(reasons, weight):
    order = [Verdict.LOW, Verdict.REVIEW, Verdict.HIGH]
    before = assess(reasons, SETTINGS).verdict
    after = assess([*reasons, Reason("y", "y", weight)], SETTINGS).verdict
    assert order.index(after) >= order.index(before)


def test_settings_form_is_bounded_and_ordered():
    with pytest.raises(DomainValidationError) as refused:
        clean_risk_settings(
            {"review_threshold": "70", "high_threshold": "50", "weight_po_box": "500"}
        )
    assert set(refused.value.errors) == {"high_threshold", "weight_po_box"}
    with pytest.raises(DomainValidationError) as refused:
        clean_risk_settings({"high_quantity": "-3"})
    assert "high_quantity" in refused.value.errors


def test_settings_form_keeps_forwarder_words_one_per_line():
    cleaned = clean_risk_settings({"extra_forwarders": " Parcelhub \n\nShipMate\n"})
    assert cleaned.extra_forwarders == ("Parcelhub", "ShipMate")
    assert cleaned.review_threshold == 30


def test_stored_values_out_of_bounds_are_clamped_and_unknown_ones_ignored():
    stored = RiskSettings.from_values({"review_threshold": 900, "nonsense": 3, "weight_guest": -4})
    assert (stored.review_threshold, stored.weight_guest) == (100, 0)


def test_a_charge_without_radar_outcome_is_said_as_such():
    (reason,) = radar_reasons(RadarResult(RadarStatus.READ, "pi_1"), SETTINGS)
    assert (reason.code, reason.weight) == ("radar_not_assessed", 0)
    assert reason.text == "Stripe Radar: no risk assessment on the charge of pi_1."


def test_a_review_is_decided_once_and_says_who_decided():
    from app.domain.errors import RuleViolation
    from app.domain.risk.review import RiskReview
    from app.domain.risk.scoring import Decision

    review = RiskReview.of("O1", "1042", assess([], SETTINGS), NOW)
    approved = review.decide(Decision.APPROVED, "ada@shop.test", NOW)

    assert approved.is_done and not review.is_done
    with pytest.raises(RuleViolation, match=r"already approved by ada@shop\.test"):
        approved.decide(Decision.REJECTED, "bob@shop.test", NOW, "fraud")


# --- what a review judged: a change of the order, or not ------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"email": "eve@example.com"},
        {"user_id": None},
        {"shipping_address": replace(HOME, street_address_1="1 Other Road")},
        {"billing_address": replace(HOME, postal_code="99999")},
        {"total": Money(Decimal("80.01"), "EUR")},
        {"lines": (RiskLine("V1", "Shirt", 2),)},
        {"card_key": "visa|4242|12/2030"},
    ],
    ids=["email_case", "customer_case", "shipping_case", "billing_case", "total_case",
         "quantity_case", "card_case"],
)  # fmt: skip
def test_a_change_of_what_the_customer_or_staff_control_changes_the_digest(change):
    assert inputs_digest(facts(**change)) != inputs_digest(facts())


@pytest.mark.parametrize(
    "change",
    [
        {"payment_events": (PaymentEvent("CHARGE_SUCCESS", ""),)},
        {"psp_references": ("pi_1",)},
        {"customer_order_count": 6},
        {"email": "ADA@example.com"},
        {"lines": (RiskLine("V1", "Shirt", 1),)},
    ],
    ids=["charge_case", "reference_case", "next_order_case", "email_case_case", "same_case"],
)
def test_a_charge_or_the_customers_next_order_is_not_a_change(change):
    assert inputs_digest(facts(**change)) == inputs_digest(facts())
