"""Sending one purchase order to its vendor over the vendor's channel (runs in the worker)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.installations import InstallationId
from app.domain.outbound import OutboundAttempt, Subject
from app.domain.purchase_orders import PurchaseOrder
from app.domain.vendors import IntegrationKind
from app.errors import NoOp, Permanent, Retryable
from app.services.outbound import (
    PO_SEND_POLICY,
    claim_outbound,
    given_up_reason,
    outbound_failed,
    outbound_retrying,
    outbound_sent,
    record_outbound,
)
from app.services.ports import PurchaseOrderChannel, PurchaseOrderMessage, TaskQueue
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.vendor_portal import PortalConfig, ensure_po_link
from app.services.writeback_queue import queue_write_back


class SendOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"


Channels = Mapping[IntegrationKind, PurchaseOrderChannel]


def send_key(installation_id: int, po: PurchaseOrder) -> str:
    """The idempotency key of sending the PO's next revision; also its Message-ID's local part."""
    return f"po-{installation_id}-{po.id}-r{po.revision + 1}"


def record_send(
    uow: UnitOfWork, installation_id: InstallationId, po: PurchaseOrder, channel: str
) -> OutboundAttempt:
    """Record the send of the PO's next revision before it is queued (once per revision)."""
    return record_outbound(
        uow,
        installation_id,
        subject=Subject.PURCHASE_ORDER,
        subject_id=po.id or 0,
        channel=channel,
        key=send_key(installation_id, po),
        policy=PO_SEND_POLICY,
    )


@dataclass(frozen=True)
class _Claimed:
    message: PurchaseOrderMessage
    attempt: OutboundAttempt


def _claim_send(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    po_id: int,
    revision: int,
    actor: str,
    claim_token: str,
    portal: PortalConfig | None,
) -> _Claimed:
    """One attempt of the revision's send, claimed and shown in the PO history (committed)."""
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        if po is None or po.revision != revision:
            raise NoOp(f"PO {po_id} revision {revision} was already sent.")
        try:
            po.ensure_sendable()
        except RuleViolation as changed:  # cancelled or shipped since the send was asked for
            raise NoOp(str(changed)) from None
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        assert vendor is not None
        key = record_send(uow, installation_id, po, vendor.integration.value).idempotency_key
        attempt = claim_outbound(uow, installation_id, key, claim_token, PO_SEND_POLICY)
        if attempt is None:
            raise NoOp(f"PO {po.number} is being sent by another task.")
        po.record_send_attempt(
            actor=actor, at=datetime.now(UTC), attempt=attempt.attempts, of=attempt.max_attempts
        )
        uow.purchase_orders.save(installation_id, po)
        settings = uow.settings.get(installation_id)
        logo = uow.logos.get(installation_id) if vendor.shipping.documents.has_slip else None
        portal_url = ""
        if portal is not None and vendor.integration is IntegrationKind.EMAIL:
            portal_url = ensure_po_link(uow, portal, installation_id, po)
        uow.commit()
    message = PurchaseOrderMessage(installation_id, po, vendor, settings, key, logo, portal_url)
    return _Claimed(message, attempt)


def dispatch_purchase_order(
    uow_factory: UnitOfWorkFactory,
    channels: Channels,
    queue: TaskQueue,
    *,
    installation_id: InstallationId,
    po_id: int,
    revision: int,
    actor: str,
    claim_token: str,
    final_attempt: bool,
    portal: PortalConfig | None = None,
) -> SendOutcome:
    """Send revision ``revision`` of a PO once, over its vendor's channel.

    A claim in the database makes a second task for the same revision (a double click on
    Resend, a redelivered task) a no-op. A temporary failure is raised for the task to
    retry (the PO stays as it is, or becomes "send failed" on the last attempt); a refusal
    marks it "send failed" with the reason at once. An email carries the PO's vendor portal
    link (issued on the first send, the same one on every resend until revoked or expired).
    """
    claimed = _claim_send(uow_factory, installation_id, po_id, revision, actor, claim_token, portal)
    attempt, message = claimed.attempt, claimed.message
    final_attempt = final_attempt or attempt.attempts >= attempt.max_attempts
    channel = channels.get(message.vendor.integration)
    if channel is None:
        reason = f"POs cannot be sent to {message.vendor.integration.value} vendors yet."
        return _record_failure(uow_factory, queue, installation_id, po_id, actor, reason)
    try:
        channel.send(message)
    except Permanent as error:
        return _record_failure(uow_factory, queue, installation_id, po_id, actor, error.message)
    except Retryable as error:
        if final_attempt:
            reason = given_up_reason(error.message, attempt.attempts)
            return _record_failure(uow_factory, queue, installation_id, po_id, actor, reason)
        outbound_retrying(uow_factory, installation_id, attempt, error.message, PO_SEND_POLICY)
        raise
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        assert po is not None
        po.mark_sent(
            actor=actor,
            at=datetime.now(UTC),
            via=channel.via,
            lead_time_days=message.vendor.lead_time_days,
        )
        uow.purchase_orders.save(installation_id, po)
        outbound_sent(uow, installation_id, attempt.idempotency_key)
        note = f"PO {po.number} sent to {po.vendor_name} by {channel.via}."
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return SendOutcome.SENT


def _record_failure(
    uow_factory: UnitOfWorkFactory,
    queue: TaskQueue,
    installation_id: InstallationId,
    po_id: int,
    actor: str,
    reason: str,
) -> SendOutcome:
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        assert po is not None
        key = send_key(installation_id, po)
        po.record_send_failure(actor=actor, at=datetime.now(UTC), reason=reason)
        uow.purchase_orders.save(installation_id, po)
        outbound_failed(uow, installation_id, key, reason)
        note = f"PO {po.number} could not be sent to {po.vendor_name}: {reason}"
        queue_write_back(uow, queue, installation_id, po.saleor_order_id, note)
        uow.commit()
    return SendOutcome.FAILED
