"""Stripe billing through the ``stripe`` library: Checkout sessions (subscription mode), the
customer portal, and webhook events verified with the endpoint's signing secret.

Signature check: ``stripe.Webhook.construct_event`` (HMAC-SHA256 over ``"{t}.{body}"`` with the
``whsec_`` secret, any ``v1`` entry may match, ``t`` within the tolerance; see
https://docs.stripe.com/webhooks#verify-manually). Keys never reach a log line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import requests
import stripe

from app.domain.billing import Module
from app.services.billing_ports import BillingUnavailable, EventRejected

logger = logging.getLogger(__name__)


class StripeBilling:
    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        tolerance_seconds: int = 300,
        timeout_seconds: float = 10.0,
        api_base: str = "",
    ) -> None:
        self._key = secret_key
        self._webhook_secret = webhook_secret
        self._tolerance = tolerance_seconds
        self._timeout = timeout_seconds
        self._api_base = api_base

    def _call(self, operation: str, create: Any) -> Any:
        session = requests.Session()
        try:
            client = stripe.StripeClient(
                self._key,
                base_addresses={"api": self._api_base} if self._api_base else None,
                http_client=stripe.RequestsClient(timeout=self._timeout, session=session),
                max_network_retries=1,
            )
            return create(client)
        except stripe.StripeError as error:
            logger.warning("Stripe %s failed: %s", operation, type(error).__name__)
            raise BillingUnavailable(
                "Stripe did not answer as expected; try again in a minute."
            ) from error
        finally:
            session.close()

    def create_checkout(
        self,
        *,
        price_id: str,
        customer_id: str,
        installation_reference: str,
        module: Module,
        success_url: str,
        cancel_url: str,
    ) -> str:
        metadata = {"installation_id": installation_reference, "module": module.value}
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": price_id, "quantity": 1}],
            "client_reference_id": installation_reference,
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if customer_id:
            params["customer"] = customer_id
        session = self._call(
            "checkout", lambda client: client.v1.checkout.sessions.create(params=params)
        )
        return str(session.url)

    def create_portal(self, *, customer_id: str, return_url: str) -> str:
        params = {"customer": customer_id, "return_url": return_url}
        portal = self._call(
            "portal", lambda client: client.v1.billing_portal.sessions.create(params=params)
        )
        return str(portal.url)

    def verified_event(self, body: bytes, signature_header: str) -> Mapping[str, Any]:
        if not self._webhook_secret:  # no billing here: an empty key would sign anything
            raise EventRejected("This deployment does not bill through Stripe.")
        try:
            stripe.WebhookSignature.verify_header(
                body.decode("utf-8"), signature_header, self._webhook_secret, self._tolerance
            )
            event = json.loads(body)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise EventRejected("The Stripe signature is missing, wrong or too old.") from error
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise EventRejected("This is not a Stripe event.")
        return event
