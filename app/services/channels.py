"""Purchase order channels: how a PO reaches a vendor of each integration kind.

The composition root registers one channel per kind (``IntegrationKind -> PurchaseOrderChannel``);
``dispatch`` asks the vendor's channel to send and never knows it is email. EDI, HTTP and the
vendor portal add a channel here (or in an adapter) and a line in ``app/bootstrap.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.domain.logos import Logo
from app.domain.purchase_orders import POStatus, PurchaseOrder
from app.domain.shop_settings import ShopSettings
from app.domain.vendors import Vendor
from app.errors import Permanent
from app.services.document_sets import po_context, vendor_attachments
from app.services.ports import (
    DocumentRenderer,
    Mailer,
    OutgoingEmail,
    PurchaseOrderMessage,
    SmtpSettings,
)

PORTAL_LINE = "Confirm this order, report shipments and download it here (no login needed): "


class SendRefused(Permanent):
    """The channel cannot send this PO (not set up, or the vendor's side refused it)."""


@dataclass(frozen=True)
class MailDefaults:
    """The deployment's SMTP server (from the environment) for shops that set none,
    and the domain of Message-IDs."""

    smtp: SmtpSettings | None
    message_domain: str


def smtp_for(settings: ShopSettings, defaults: MailDefaults) -> SmtpSettings | None:
    """The shop's own SMTP server when it set one, else the deployment's."""
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


def build_email(
    po: PurchaseOrder,
    vendor: Vendor,
    settings: ShopSettings,
    documents: DocumentRenderer,
    sender: str,
    message_id: str,
    logo: Logo | None = None,
    portal_url: str = "",
) -> OutgoingEmail:
    """The PO email: the documents the vendor's options ask for, reply-to the merchant.

    The Message-ID names the PO and the revision being sent, so a retried send of the same
    revision carries the same id and the vendor's mail system can drop the copy.
    """
    context = replace(po_context(po, vendor, settings, sender), portal_url=portal_url)
    attachments = vendor_attachments(po, vendor, settings, logo, documents, context)
    cancelled = po.status is POStatus.CANCEL_REQUESTED
    subject, body = documents.purchase_order_email(
        po, context, settings.email_subject_template or None, settings.email_body_template or None
    )
    if cancelled:  # whatever the merchant's templates say, the notice cannot be missed
        subject = f"CANCELLED: {subject}"
        body = (
            f"CANCELLED: purchase order {po.number} is cancelled because the customer's order"
            " was cancelled. Please do not ship it, and reply to confirm the cancellation.\n\n"
            f"{body}"
        )
    if po.is_amended and po.amendment is not None and not cancelled:  # cannot be missed either
        subject = f"{po.amended_label}: {subject}"
        changed = "".join(f"  - {line}\n" for line in po.amendment.describe())
        body = (
            f"{po.amended_label} of purchase order {po.number}: the customer's order changed."
            f" What changed:\n{changed}Please ship this revision, not the earlier one.\n\n{body}"
        )
    if portal_url and portal_url not in body:  # the merchant's template left it out
        body = f"{body.rstrip()}\n\n{PORTAL_LINE}{portal_url}\n"
    return OutgoingEmail(
        sender=sender,
        to=vendor.emails_to,
        cc=vendor.emails_cc,
        reply_to=settings.merchant_email or None,
        subject=subject,
        text_body=body,
        message_id=message_id,
        attachments=attachments,
    )


class EmailChannel:
    """POs by email over the shop's SMTP server (or the deployment's), with the documents
    attached; the idempotency key is the Message-ID's local part."""

    via = "email"

    def __init__(self, mailer: Mailer, documents: DocumentRenderer, defaults: MailDefaults):
        self._mailer = mailer
        self._documents = documents
        self._defaults = defaults

    def send(self, message: PurchaseOrderMessage) -> None:
        """Raises ``SendRefused`` or ``MailRejected`` (permanent), ``MailUnavailable`` (retry),
        or ``Invalid`` when the merchant's template does not render."""
        smtp = smtp_for(message.settings, self._defaults)
        if smtp is None:
            raise SendRefused(
                "No mail server is set up: enter your SMTP server in Settings, then resend."
            )
        email = build_email(
            message.po,
            message.vendor,
            message.settings,
            self._documents,
            smtp.sender,
            f"<{message.idempotency_key}@{self._defaults.message_domain}>",
            message.logo,
            message.portal_url,
        )
        self._mailer.send(email, smtp)
