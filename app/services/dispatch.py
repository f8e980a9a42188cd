"""Sending one purchase order to its vendor (runs in the worker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from app.domain.errors import RuleViolation
from app.domain.installations import InstallationId
from app.domain.outbound import OutboundAttempt, Subject
from app.domain.purchase_orders import PurchaseOrder
from app.domain.shop_settings import ShopSettings
from app.domain.vendors import Vendor
from app.errors import Invalid, NoOp
from app.services.outbound import (
    PO_SEND_POLICY,
    claim_outbound,
    outbound_failed,
    outbound_retrying,
    outbound_sent,
    record_outbound,
)
from app.services.ports import (
    Attachment,
    DocumentContext,
    DocumentRenderer,
    Mailer,
    MailRejected,
    MailUnavailable,
    OutgoingEmail,
    SmtpSettings,
    TaskQueue,
)
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from app.services.writeback_queue import queue_write_back


class SendOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class MailDefaults:
    """The deployment's SMTP server (from the environment) for shops that set none,
    and the domain of Message-IDs."""

    smtp: SmtpSettings | None
    message_domain: str


def smtp_for(settings: ShopSettings, defaults: MailDefaults) -> SmtpSettings | None:
    """The shop's own SMTP server, else the deployment's; None when neither is set."""
    if settings.has_own_smtp:
        return SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
        )
    return defaults.smtp


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


def build_email(
    po: PurchaseOrder,
    vendor: Vendor,
    settings: ShopSettings,
    documents: DocumentRenderer,
    sender: str,
    message_domain: str,
    installation_id: int,
) -> OutgoingEmail:
    """The PO email: PDF and/or CSV as the vendor wants, reply-to the merchant.

    The Message-ID names the PO and the revision being sent, so a retried send of the same
    revision carries the same id and the vendor's mail system can drop the copy.
    """
    context = DocumentContext(
        shop_name=settings.shop_name or "Our shop",
        merchant_email=settings.merchant_email or sender,
        vendor_code=vendor.code,
        po_notes=vendor.po_notes,
        template_html=settings.po_template_html or None,
    )
    attachments = []
    if vendor.file_format.wants_pdf:
        pdf = documents.purchase_order_pdf(po, context)
        attachments.append(Attachment(f"PO-{po.number}.pdf", "application/pdf", pdf))
    if vendor.file_format.wants_csv:
        csv_bytes = documents.purchase_order_csv(po)
        attachments.append(Attachment(f"PO-{po.number}.csv", "text/csv", csv_bytes))
    subject, body = documents.purchase_order_email(
        po, context, settings.email_subject_template or None, settings.email_body_template or None
    )
    return OutgoingEmail(
        sender=sender,
        to=vendor.emails_to,
        cc=vendor.emails_cc,
        reply_to=settings.merchant_email or None,
        subject=subject,
        text_body=body,
        message_id=f"<{send_key(installation_id, po)}@{message_domain}>",
        attachments=tuple(attachments),
    )


def dispatch_purchase_order(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    documents: DocumentRenderer,
    queue: TaskQueue,
    defaults: MailDefaults,
    *,
    installation_id: InstallationId,
    po_id: int,
    revision: int,
    actor: str,
    claim_token: str,
    final_attempt: bool,
) -> SendOutcome:
    """Send revision ``revision`` of a PO once.

    A claim in the database makes a second task for the same revision (a double click on
    Resend, a redelivered task) a no-op. A temporary mail failure is raised for the task to
    retry (the PO stays as it is, or becomes "send failed" on the last attempt); a refusal
    marks it "send failed" with the reason at once.
    """
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
        uow.commit()
    final_attempt = final_attempt or attempt.attempts >= attempt.max_attempts
    smtp = smtp_for(settings, defaults)
    if smtp is None:
        return _record_failure(
            uow_factory,
            queue,
            installation_id,
            po_id,
            actor,
            "No mail server is set up: enter your SMTP server in Settings, then resend.",
        )
    try:
        email = build_email(
            po, vendor, settings, documents, smtp.sender, defaults.message_domain, installation_id
        )
    except Invalid as error:  # the merchant's template does not render
        return _record_failure(uow_factory, queue, installation_id, po_id, actor, error.message)
    try:
        mailer.send(email, smtp)
    except MailRejected as error:
        return _record_failure(uow_factory, queue, installation_id, po_id, actor, error.message)
    except MailUnavailable as error:
        if final_attempt:
            return _record_failure(uow_factory, queue, installation_id, po_id, actor, error.message)
        outbound_retrying(uow_factory, installation_id, attempt, error.message, PO_SEND_POLICY)
        raise
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        assert po is not None
        po.mark_sent(actor=actor, at=datetime.now(UTC), via="email")
        uow.purchase_orders.save(installation_id, po)
        outbound_sent(uow, installation_id, key)
        note = f"PO {po.number} sent to {po.vendor_name} by email."
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
