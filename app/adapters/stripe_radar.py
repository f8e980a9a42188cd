"""Stripe Radar through the ``stripe`` library: the risk Radar gave the PaymentIntent behind an
order (its latest charge's ``outcome``), read with the shop's restricted read-only key.

Every call has a short timeout and no retry; every failure becomes a RadarResult that says what
happened, so the review never waits on Stripe nor fails because of it. The key is never logged:
it only goes into the Authorization header.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
import stripe

from app.domain.risk.signals import RadarResult, RadarStatus

logger = logging.getLogger(__name__)


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return None


class StripeRadar:
    """Reads Radar's outcome of a PaymentIntent; ``api_base`` points at another server (tests:
    localstripe on loopback)."""

    def __init__(self, *, timeout_seconds: float = 5.0, api_base: str = "") -> None:
        self._timeout = timeout_seconds
        self._api_base = api_base

    def read(self, api_key: str, payment_intent: str) -> RadarResult:
        session = requests.Session()
        try:
            client = stripe.StripeClient(
                api_key,
                base_addresses={"api": self._api_base} if self._api_base else None,
                http_client=stripe.RequestsClient(timeout=self._timeout, session=session),
                max_network_retries=0,
            )
            intent = client.v1.payment_intents.retrieve(
                payment_intent, params={"expand": ["latest_charge"]}
            )
        except (stripe.AuthenticationError, stripe.PermissionError):
            return RadarResult(RadarStatus.KEY_REFUSED, payment_intent)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return RadarResult(RadarStatus.NOT_FOUND, payment_intent)
            logger.warning("Stripe refused reading %s: %s", payment_intent, error.code)
            return RadarResult(RadarStatus.UNAVAILABLE, payment_intent)
        except stripe.StripeError as error:
            logger.warning("Stripe unavailable for %s: %s", payment_intent, type(error).__name__)
            return RadarResult(RadarStatus.UNAVAILABLE, payment_intent)
        finally:
            session.close()
        return radar_result(payment_intent, intent.to_dict())


def radar_result(payment_intent: str, intent: Mapping[str, Any]) -> RadarResult:
    """Radar's outcome on the intent's latest charge (expanded), and the card's fingerprint
    (Stripe's own: the same card gives the same one across customers)."""
    charge = _get(intent, "latest_charge")
    outcome = _get(charge, "outcome") or {}
    score = _get(outcome, "risk_score")
    rule = _get(outcome, "rule")
    card = _get(_get(charge, "payment_method_details"), "card")
    return RadarResult(
        RadarStatus.READ,
        payment_intent,
        risk_level=str(_get(outcome, "risk_level") or ""),
        risk_score=score if isinstance(score, int) else None,
        rule=str(_get(rule, "id") or "") if isinstance(rule, Mapping) else str(rule or ""),
        outcome_type=str(_get(outcome, "type") or ""),
        seller_message=str(_get(outcome, "seller_message") or "")[:200],
        card_fingerprint=str(_get(card, "fingerprint") or "")[:100],
    )
