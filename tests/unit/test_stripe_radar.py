"""Radar's outcome read from a PaymentIntent shaped as Stripe documents it (localstripe serves
no ``outcome``, so the reading of a real one is checked here)."""

from __future__ import annotations

from app.adapters.stripe_radar import radar_result
from app.domain.risk.scoring import RiskSettings
from app.domain.risk.signals import RadarStatus, radar_reasons

# https://docs.stripe.com/api/charges/object#charge_object-outcome (fields the app reads)
INTENT = {
    "id": "pi_3QxYz",
    "object": "payment_intent",
    "latest_charge": {
        "id": "ch_3QxYz",
        "object": "charge",
        "outcome": {
            "network_status": "approved_by_network",
            "reason": "elevated_risk_level",
            "risk_level": "elevated",
            "risk_score": 67,
            "rule": {"id": "rule_review_elevated", "action": "review", "predicate": "..."},
            "seller_message": "Stripe evaluated this payment as having elevated risk.",
            "type": "manual_review",
        },
        "payment_method_details": {
            "type": "card",
            "card": {"brand": "visa", "last4": "4242", "fingerprint": "Xt5EWLLDS7FJjR1c"},
        },
    },
}


def test_an_elevated_outcome_becomes_a_weighted_reason():
    result = radar_result("pi_3QxYz", INTENT)

    assert (result.status, result.risk_level, result.risk_score) == (
        RadarStatus.READ,
        "elevated",
        67,
    )
    assert (result.rule, result.outcome_type) == ("rule_review_elevated", "manual_review")
    assert result.card_fingerprint == "Xt5EWLLDS7FJjR1c"
    (reason,) = radar_reasons(result, RiskSettings())
    assert reason.weight == 30
    assert reason.text == (
        "Stripe Radar: elevated risk, score 67, rule rule_review_elevated, outcome manual "
        "review (Stripe evaluated this payment as having elevated risk.)."
    )


def test_a_rule_given_as_an_id_and_a_charge_not_expanded():
    with_rule_id = {"latest_charge": {"outcome": {"risk_level": "highest", "rule": "rule_1"}}}
    assert radar_result("pi_1", with_rule_id).rule == "rule_1"
    not_expanded = radar_result("pi_1", {"latest_charge": "ch_1"})
    assert (not_expanded.risk_level, not_expanded.card_fingerprint) == ("", "")
