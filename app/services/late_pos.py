"""The daily late-PO email: once a UTC day per shop, to the merchant's address, listing the POs
whose vendor's lead time has passed without a shipment for all their lines.

The day is claimed before sending (so two runs cannot both send) and given back if the mail
server fails (so the next run tries again); the Message-ID is the same for a shop and a day.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from app.domain.installations import InstallationId
from app.domain.po_list import POListFilter, POListQuery, POListRow, POListSort
from app.services.channels import MailDefaults, smtp_for
from app.services.ports import Mailer, MailRejected, MailUnavailable, OutgoingEmail
from app.services.shop_schemas import active_installation_ids
from app.services.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger(__name__)
DIGEST_LIMIT = 200  # POs listed in one email; the rest are counted


def _now() -> datetime:
    return datetime.now(UTC)


def send_late_digests(
    uow_factory: UnitOfWorkFactory, mailer: Mailer, defaults: MailDefaults
) -> int:
    """Every active shop's email for today, if it is due; returns how many were sent. One
    shop's mail failure does not stop the others (logged; retried at the next run)."""
    sent = 0
    now = _now()
    for installation_id in active_installation_ids(uow_factory):
        try:
            sent += send_late_digest(uow_factory, mailer, defaults, installation_id, now)
        except (MailUnavailable, MailRejected) as error:
            logger.warning("late-PO email not sent: %s [shop=%s]", error, installation_id)
    return sent


def send_late_digest(
    uow_factory: UnitOfWorkFactory,
    mailer: Mailer,
    defaults: MailDefaults,
    installation_id: InstallationId,
    now: datetime,
) -> bool:
    """This shop's email for ``now``'s day, unless it opted out, has no late PO, no address,
    no mail server, or had it already today."""
    today = now.date().isoformat()
    late_only = POListQuery(POListFilter(late_only=True), POListSort.OLDEST, None, DIGEST_LIMIT)
    with uow_factory() as uow:
        settings = uow.settings.get(installation_id)
        if not settings.late_digest or not settings.merchant_email:
            return False
        if settings.late_digest_sent_on == today:
            return False
        late = list(uow.po_listing.rows(installation_id, late_only, now, DIGEST_LIMIT + 1))
    smtp = smtp_for(settings, defaults)
    if not late or smtp is None:
        return False
    if not _claim(uow_factory, installation_id, today):
        return False
    email = OutgoingEmail(
        sender=smtp.sender,
        to=(settings.merchant_email,),
        subject=_subject(settings.shop_name, len(late)),
        text_body=_body(late, now),
        message_id=f"<late-pos-{installation_id}-{today}@{defaults.message_domain}>",
    )
    try:
        mailer.send(email, smtp)
    except (MailUnavailable, MailRejected):
        _release(uow_factory, installation_id, today)
        raise
    logger.info("late-PO email sent: %s late POs [shop=%s]", len(late), installation_id)
    return True


def _claim(uow_factory: UnitOfWorkFactory, installation_id: InstallationId, today: str) -> bool:
    with uow_factory() as uow:
        current = uow.settings.get(installation_id)
        if current.late_digest_sent_on == today:
            return False
        uow.settings.save(installation_id, replace(current, late_digest_sent_on=today))
        uow.commit()
    return True


def _release(uow_factory: UnitOfWorkFactory, installation_id: InstallationId, today: str) -> None:
    with uow_factory() as uow:
        current = uow.settings.get(installation_id)
        if current.late_digest_sent_on == today:
            uow.settings.save(installation_id, replace(current, late_digest_sent_on=""))
            uow.commit()


def _subject(shop_name: str, count: int) -> str:
    many = f"more than {DIGEST_LIMIT}" if count > DIGEST_LIMIT else str(count)
    noun = "purchase order is" if count == 1 else "purchase orders are"
    return f"{shop_name or 'Drop-ship'}: {many} {noun} late"


def _body(late: list[POListRow], now: datetime) -> str:
    lines = [
        "These purchase orders are past their vendor's lead time and not fully shipped:",
        "",
    ]
    for row in late[:DIGEST_LIMIT]:
        due = row.due_at.date().isoformat() if row.due_at else "?"
        days = row.days_late(now)
        lines.append(
            f"- PO {row.number} to {row.vendor_name}, order #{row.order_number}:"
            f" due {due}, {days} day{'s' if days != 1 else ''} late"
        )
    if len(late) > DIGEST_LIMIT:
        lines.append("- and more: see the list in the app")
    lines += [
        "",
        "See them in the Saleor dashboard: Apps > Drop-ship > Purchase orders, 'Late only'.",
        "To stop this daily email, set 'Daily late-PO email' to No in Drop-ship's Settings.",
    ]
    return "\n".join(lines) + "\n"
