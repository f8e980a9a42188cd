"""Webhook deliveries: accept each one once, then process it in the worker."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.domain.installations import Installation
from app.domain.webhooks import DeliveryStatus, WebhookEvent, WebhookPayload, body_digest
from app.errors import Invalid, NoOp, Permanent, Retryable, Unauthenticated
from app.services import (
    automation_triggers,
    charges,
    order_cancellations,
    order_changes,
    orders,
    reconcile,
    signing_keys,
    tasks,
)
from app.services.billing_ports import BillingConfig
from app.services.ports import (
    DeliveryInbox,
    SaleorGateway,
    SignatureInvalid,
    SignatureVerifier,
    TaskQueue,
    UnknownSigningKey,
)
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger(__name__)


class IngestOutcome(StrEnum):
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    OWN_EVENT = "own_event"
    APP_REMOVED = "app_removed"


@dataclass(frozen=True)
class IngestResult:
    outcome: IngestOutcome
    delivery_id: int | None = None


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of Saleor's HTTP request that matter, with the body as raw bytes."""

    endpoint_event: WebhookEvent
    api_url: str
    event_header: str
    signature: str
    body: bytes


def _check_headers(request: WebhookRequest) -> None:
    if not request.api_url:
        raise Invalid("Missing Saleor-Api-Url header.", field="saleor-api-url")
    if not request.signature:
        raise Invalid("Missing Saleor-Signature header.", field="saleor-signature")
    if WebhookEvent.from_header(request.event_header) is not request.endpoint_event:
        raise Invalid(
            f"Saleor-Event {request.event_header!r} does not match this endpoint "
            f"({request.endpoint_event.value.lower()}).",
            field="saleor-event",
        )


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid("The body is not JSON.") from None
    if not isinstance(payload, dict):
        raise Invalid("The body is not a JSON object.")
    return payload


def _check_event_binding(
    installation: Installation, event: WebhookEvent, payload: WebhookPayload
) -> None:
    """A genuine body of another event (or of another app's removal) replayed here is refused."""
    if not payload.is_body_of(event):
        raise Unauthenticated(f"The signed body is not a {event.value.lower()} event.")
    if event is WebhookEvent.APP_DELETED and payload.app_id != installation.app_id:
        raise Unauthenticated("APP_DELETED does not name this app.")


def _verify(
    uow_factory: UnitOfWorkFactory,
    uow: UnitOfWork,
    saleor: SaleorGateway,
    verifier: SignatureVerifier,
    installation: Installation,
    request: WebhookRequest,
    refetch_seconds: float,
) -> None:
    """Verify against the stored keys; an unknown key id may fetch the JWKS (rate-limited)."""
    try:
        signing_keys.verify_with_key_refresh(
            uow_factory,
            uow,
            saleor,
            installation,
            lambda jwks: verifier.verify_webhook(request.signature, request.body, jwks),
            interval_seconds=refetch_seconds,
        )
    except SignatureInvalid:
        raise Unauthenticated("The webhook signature does not verify.") from None


def _verify_with_fresh_keys(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    verifier: SignatureVerifier,
    request: WebhookRequest,
    refetch_seconds: float,
) -> Installation:
    """The rare path: the signature names a key id the stored JWKS lacks (Saleor rotated it)."""
    with uow_factory() as uow:
        installation = uow.installations.get_active_by_api_url(request.api_url)
        if installation is None or installation.id is None:
            raise Unauthenticated("This Saleor has not installed the app.")
        _verify(uow_factory, uow, saleor, verifier, installation, request, refetch_seconds)
        uow.commit()
    return installation


def ingest_webhook(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    verifier: SignatureVerifier,
    inbox: DeliveryInbox,
    request: WebhookRequest,
    *,
    jwks_refetch_seconds: float = signing_keys.DEFAULT_REFETCH_INTERVAL_SECONDS,
) -> IngestResult:
    """Accept a signed delivery exactly once; the inbox relay hands it to the worker.

    Only a verified body from a known, active installation is recorded. Our own changes echo back
    as events; those are dropped. Saleor's retries resend the same bytes, so a repeat is answered
    as a duplicate. The recorded row is the only thing written: no broker in the request (ADR 8).
    The usual delivery costs no unit of work: the installation comes from the inbox's cache and
    the row is one autocommitted insert; a key rotation and APP_DELETED take a transaction.
    """
    _check_headers(request)
    installation = inbox.active_installation(request.api_url)
    if installation is None or installation.id is None:
        raise Unauthenticated("This Saleor has not installed the app.")
    try:
        verifier.verify_webhook(request.signature, request.body, installation.jwks)
    except UnknownSigningKey:
        installation = _verify_with_fresh_keys(
            uow_factory, saleor, verifier, request, jwks_refetch_seconds
        )
    except SignatureInvalid:
        raise Unauthenticated("The webhook signature does not verify.") from None
    assert installation.id is not None
    payload = saleor.parse_webhook(_parse(request.body))
    _check_event_binding(installation, request.endpoint_event, payload)
    if payload.is_issued_by(installation.app_id) and (
        request.endpoint_event is not WebhookEvent.APP_DELETED
    ):
        logger.info("skipped %s caused by this app", request.endpoint_event)
        return IngestResult(IngestOutcome.OWN_EVENT)
    digest = body_digest(request.body)
    if request.endpoint_event is WebhookEvent.APP_DELETED:
        with uow_factory() as uow:
            return _remove_installation(uow, installation, digest, request)
    delivery_id, created = inbox.record(
        installation.id, request.endpoint_event, digest, request.body.decode()
    )
    outcome = IngestOutcome.QUEUED if created else IngestOutcome.DUPLICATE
    return IngestResult(outcome, delivery_id)


def _remove_installation(
    uow: UnitOfWork,
    installation: Installation,
    digest: str,
    request: WebhookRequest,
) -> IngestResult:
    """APP_DELETED: from now on the token is never used and the Saleor's webhooks are refused."""
    assert installation.id is not None
    delivery_id, _ = uow.deliveries.add(
        installation.id,
        WebhookEvent.APP_DELETED,
        digest,
        request.body.decode(),
        status=DeliveryStatus.PROCESSED,
    )
    uow.installations.mark_removed(installation.id)
    uow.commit()
    logger.info("app removed from %s", installation.saleor_api_url)
    return IngestResult(IngestOutcome.APP_REMOVED, delivery_id)


def process_delivery(
    uow_factory: UnitOfWorkFactory,
    saleor: SaleorGateway,
    delivery_id: int,
    queue: TaskQueue | None = None,
    billing_config: BillingConfig | None = None,
) -> DeliveryStatus:
    """Do the work a recorded delivery asks for; safe to run more than once."""
    with uow_factory() as uow:
        delivery = uow.deliveries.get(delivery_id)
        if delivery is None:
            raise NoOp(f"Delivery {delivery_id} does not exist.")
        if delivery.status is not DeliveryStatus.RECEIVED:
            return delivery.status
        installation = uow.installations.get(delivery.installation_id)
        if installation is None or not installation.is_active:
            uow.deliveries.set_status(delivery_id, DeliveryStatus.SKIPPED, "app removed")
            uow.commit()
            return DeliveryStatus.SKIPPED
    if delivery.event.is_order_event:
        order_id = saleor.parse_webhook(delivery.payload).order_id
        if order_id is None:
            raise Permanent("The order event carries no order id.")
        order = orders.refresh_order(uow_factory, saleor, installation, order_id)
        if order.is_cancelled and queue is not None:
            order_cancellations.cancel_order_purchase_orders(
                uow_factory, queue, delivery.installation_id, order_id
            )
        elif delivery.event is WebhookEvent.ORDER_UPDATED and queue is not None:
            order_changes.flag_changed_purchase_orders(
                uow_factory, queue, delivery.installation_id, order_id
            )
        if delivery.event in RISK_REVIEW_EVENTS and queue is not None:
            _queue_risk_review(queue, delivery.installation_id, order_id)
        if delivery.event.is_fulfilment_event and queue is not None:
            reconcile.reconcile_fulfilments(uow_factory, queue, delivery.installation_id, order_id)
        if delivery.event.is_payment_event and queue is not None:
            charges.follow_order_payments(
                uow_factory, saleor, queue, delivery.installation_id, order_id
            )
        if queue is not None and billing_config is not None:  # issue 13: only with the module
            automation_triggers.queue_order_advance(
                uow_factory, queue, billing_config, delivery.installation_id, order_id
            )
    with uow_factory() as uow:
        finished_here = uow.deliveries.set_status(delivery_id, DeliveryStatus.PROCESSED)
        uow.commit()
    if not finished_here:
        logger.info("delivery %s was finished by another run (handed over twice)", delivery_id)
    return DeliveryStatus.PROCESSED


# The order arrived or changed in a way that can change its risk (paid: a transaction, its
# events and its PaymentIntent exist now; updated: a staff edit of the email, addresses or
# lines). A review a person decided is kept and only marked when its inputs changed (ADR 15).
RISK_REVIEW_EVENTS = frozenset(
    {
        WebhookEvent.ORDER_CREATED,
        WebhookEvent.ORDER_CONFIRMED,
        WebhookEvent.ORDER_UPDATED,
        WebhookEvent.ORDER_FULLY_PAID,
    }
)


def _queue_risk_review(queue: TaskQueue, installation_id: int, order_id: str) -> None:
    """Best effort: the delivery is processed either way; the widget says "not reviewed yet"
    with a button that queues it again."""
    try:
        queue.enqueue(tasks.REVIEW_ORDER_RISK, installation_id=installation_id, order_id=order_id)
    except Retryable as error:
        logger.warning("risk review of %s not queued: %s", order_id, error.message)


def mark_delivery_failed(uow_factory: UnitOfWorkFactory, delivery_id: int, reason: str) -> None:
    """Record why a delivery could not be processed, so it is visible and not retried.

    Only a delivery still "received" fails: a run that was handed the same delivery twice never
    turns another run's success into a failure."""
    with uow_factory() as uow:
        uow.deliveries.set_status(delivery_id, DeliveryStatus.FAILED, reason[:500])
        uow.commit()
