"""Reminder emails to vendors (issue 15): once when a PO sent by email has no confirmation after
the shop's set time, once when the vendor's lead time passed without a full shipment; each with
the PO's portal link, where the vendor confirms or enters tracking numbers.

Hourly (beat). The PO row is locked while its reminder is sent and the history entry is written
in the same transaction, so a reminder is sent once; a mail server that fails leaves no entry and
the next run tries again. The Message-ID names the PO and the kind, so a copy is recognisable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.installations import InstallationId
from app.domain.purchase_orders import POEvent, PurchaseOrder
from app.domain.shop_settings import ShopSettings
from app.domain.vendor_reminders import REMINDER_SENT, ReminderKind, reminder_due
from app.domain.vendors import IntegrationKind, Vendor
from app.services.channels import MailDefaults, smtp_for
from app.services.ports import Mailer, MailRejected, MailUnavailable, OutgoingEmail
from app.services.shop_schemas import active_installation_ids
from app.services.unit_of_work import UnitOfWorkFactory
from app.services.vendor_portal import PortalConfig, ensure_po_link

logger = logging.getLogger(__name__)
REMINDER_ACTOR = "Drop-ship (reminder)"
RUN_LIMIT = 200  # POs looked at per shop and run; the rest wait for the next hour


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReminderRun:
    sent: int = 0
    failed: int = 0


def send_vendor_reminders(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    portal: PortalConfig,
    now: datetime | None = None,
) -> int:
    """Every active shop's due reminders; returns how many were sent. A mail failure is logged
    and retried at the next run; it does not stop the other shops."""
    now = now or _now()
    sent = 0
    for installation_id in active_installation_ids(uow_factory):
        run = send_shop_reminders(uow_factory, mailer, defaults, portal, installation_id, now)
        sent += run.sent
    return sent


def send_shop_reminders(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    portal: PortalConfig,
    installation_id: InstallationId,
    now: datetime,
) -> ReminderRun:
    with uow_factory() as uow:
        settings = uow.settings.get(installation_id)
        if not settings.vendor_reminders:
            return ReminderRun()
        confirm_after = _confirm_after(settings)
        sent_before = now - confirm_after if confirm_after else datetime.min.replace(tzinfo=UTC)
        candidates = [
            po.id
            for po in uow.purchase_orders.awaiting_vendor(
                installation_id, sent_before, now, RUN_LIMIT
            )
            if po.id is not None
        ]
    smtp = smtp_for(settings, defaults)
    if smtp is None or not candidates:
        return ReminderRun()
    sent = failed = 0
    for po_id in candidates:
        try:
            sent += _remind(uow_factory, mailer, defaults, portal, installation_id, po_id, now)
        except (MailUnavailable, MailRejected) as error:
            failed += 1
            logger.warning("vendor reminder not sent: %s [shop=%s]", error, installation_id)
    return ReminderRun(sent, failed)


def _confirm_after(settings: ShopSettings) -> timedelta | None:
    hours = settings.reminder_confirm_hours
    return timedelta(hours=hours) if hours > 0 else None


def _remind(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    portal: PortalConfig,
    installation_id: InstallationId,
    po_id: int,
    now: datetime,
) -> bool:
    with uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(installation_id, po_id)
        settings = uow.settings.get(installation_id)
        kind = reminder_due(po, now, _confirm_after(settings)) if po is not None else None
        if po is None or kind is None:
            return False
        vendor = uow.vendors.get(installation_id, po.vendor_id)
        if (
            vendor is None
            or vendor.integration is not IntegrationKind.EMAIL
            or not vendor.emails_to
        ):
            return False  # EDI and HTTP vendors' systems, and manual vendors, are not emailed
        smtp = smtp_for(settings, defaults)
        if smtp is None:
            return False
        link = ensure_po_link(uow, portal, installation_id, po)
        email = reminder_email(po, vendor, settings, kind, link, now, smtp.sender, defaults)
        mailer.send(email, smtp)
        po.events.append(POEvent(now, REMINDER_ACTOR, REMINDER_SENT, f"{kind}: to {vendor.name}"))
        uow.purchase_orders.save(installation_id, po)
        uow.commit()
    logger.info("%s reminder sent for PO %s [shop=%s]", kind, po.number, installation_id)
    return True


def reminder_email(
    po: PurchaseOrder,
    vendor: Vendor,
    settings: ShopSettings,
    kind: ReminderKind,
    link: str,
    now: datetime,
    sender: str,
    defaults: MailDefaults,
) -> OutgoingEmail:
    shop = settings.shop_name or "our shop"
    sent_on = f"{po.sent_at:%Y-%m-%d}" if po.sent_at else "earlier"
    if kind is ReminderKind.SHIPMENT:
        due = f"{po.due_at:%Y-%m-%d}" if po.due_at else "by now"
        subject = f"Reminder: purchase order {po.number} was due to ship on {due}"
        ask = (
            f"Purchase order {po.number}, sent on {sent_on}, was due to ship on {due}, and we have"
            " no tracking number for all of it yet. Please enter the tracking number(s), or tell"
            " us when it will ship, on the PO's page:"
        )
    else:
        subject = f"Reminder: please confirm purchase order {po.number}"
        ask = (
            f"We sent you purchase order {po.number} on {sent_on} and have not had your"
            " confirmation yet. Please confirm it, or mark what is backordered, on the PO's page:"
        )
    lines = "\n".join(
        f"- {line.quantity} x {line.vendor_sku or line.sku} {line.product_name}"
        for line in po.lines
    )
    body = (
        f"Hello {vendor.name},\n\n{ask}\n\n{link}\n\n"
        f"Order #{po.order_number}, {len(po.lines)} line(s):\n{lines}\n\n"
        f"Thank you,\n{shop}\n"
    )
    return OutgoingEmail(
        sender=sender,
        to=vendor.emails_to,
        cc=vendor.emails_cc,
        reply_to=settings.merchant_email or None,
        subject=subject,
        text_body=body,
        message_id=f"<reminder-{kind}-{po.id}@{defaults.message_domain}>",
    )
