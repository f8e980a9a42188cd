"""Reminder emails to vendors through a real SMTP server on loopback: once when a PO is not
confirmed in time, once when it is late, each with the PO's portal link; nothing for vendors the
app does not email, for a shop that turned reminders off, or twice; again after a mail failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.db.rate_limits import SqlRateLimiter
from app.adapters.email_smtp import SmtpMailer
from app.domain.portal_links import PortalLinkKind
from app.domain.vendor_reminders import REMINDER_SENT
from app.services.channels import MailDefaults
from app.services.vendor_portal import PortalConfig, open_portal
from app.services.vendor_reminders import send_shop_reminders, send_vendor_reminders
from app.services.vendors import save_vendor
from tests.builders import make_po_line, make_purchase_order
from tests.servers.smtp import SmtpServer

NOW = datetime.now(UTC).replace(microsecond=0)
PORTAL = PortalConfig(app_url="https://dropship.example")


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(smtp):
    return SmtpMailer(private_hosts_allowed=True), MailDefaults(smtp.settings(), "dropship.test")


def _settings(uow_factory, shop, **changes):
    with uow_factory() as uow:
        current = uow.settings.get(shop)
        uow.settings.save(shop, replace(current, **changes))
        uow.commit()


def _vendor(uow_factory, shop, code, **extra):
    data = {"name": f"{code} Supply", "code": code, "currency": "EUR", "lead_time_days": "5"}
    return save_vendor(uow_factory, shop, {**data, **extra})


def _po(uow_factory, shop, vendor, n, *, sent_hours_ago):
    po = make_purchase_order(
        number=f"{n}-1",
        order_number=str(n),
        saleor_order_id=f"o-{n}",
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        lines=[make_po_line(f"SKU-{n}", f"V-{n}", "Shirt", "M", 2, "5.00")],
    )
    po.mark_sent(
        actor="s",
        at=NOW - timedelta(hours=sent_hours_ago),
        via="email",
        lead_time_days=vendor.lead_time_days,
    )
    with uow_factory() as uow:
        uow.purchase_orders.add(shop, po)
        uow.commit()
    return po


def _stored(uow_factory, shop, po_id):
    with uow_factory() as uow:
        return uow.purchase_orders.get(shop, po_id)


def _run(uow_factory, mail, shop, now=NOW):
    mailer, defaults = mail
    return send_shop_reminders(uow_factory, mailer, defaults, PORTAL, shop, now)


@pytest.fixture
def acme(uow_factory, shop):
    _settings(uow_factory, shop, shop_name="Polygon", merchant_email="owner@shop.test")
    return _vendor(uow_factory, shop, "ACME", emails_to="po@acme.test")


def test_an_unconfirmed_po_gets_one_reminder_with_a_working_portal_link(
    uow_factory, engine, shop, acme, smtp, mail
):
    po = _po(uow_factory, shop, acme, 1, sent_hours_ago=49)
    _po(uow_factory, shop, acme, 2, sent_hours_ago=47)  # not yet

    assert _run(uow_factory, mail, shop).sent == 1
    assert _run(uow_factory, mail, shop, NOW + timedelta(hours=1)).sent == 0  # once

    [message] = smtp.messages
    assert message.rcpt_tos == ("po@acme.test",)
    assert message.message["Subject"] == "Reminder: please confirm purchase order 1-1"
    assert message.message["Message-ID"] == f"<reminder-confirmation-{po.id}@dropship.test>"
    assert message.message["Reply-To"] == "owner@shop.test"
    body = message.message.get_content()
    [link] = [word for word in body.split() if word.startswith(PORTAL.app_url)]
    token = link.rsplit("/", 1)[-1]
    access = open_portal(
        uow_factory,
        SqlRateLimiter(engine),
        PORTAL,
        token=token,
        kind=PortalLinkKind.PO,
        address="198.51.100.7",
    )
    assert access.po_id == po.id
    [event] = [e for e in _stored(uow_factory, shop, po.id).events if e.action == REMINDER_SENT]
    assert event.detail == "confirmation: to ACME Supply"


def test_a_late_po_gets_one_shipment_reminder_even_after_the_confirmation_one(
    uow_factory, shop, acme, smtp, mail
):
    po = _po(uow_factory, shop, acme, 1, sent_hours_ago=49)
    assert _run(uow_factory, mail, shop).sent == 1  # confirmation
    later = NOW + timedelta(days=4)  # sent 5 days + 1 hour ago: past the 5-day lead time

    assert _run(uow_factory, mail, shop, later).sent == 1
    assert _run(uow_factory, mail, shop, later + timedelta(days=1)).sent == 0

    subjects = [m.message["Subject"] for m in smtp.messages]
    due = (NOW - timedelta(hours=49) + timedelta(days=5)).date().isoformat()
    assert subjects[1] == f"Reminder: purchase order 1-1 was due to ship on {due}"
    assert smtp.messages[1].message["Message-ID"] == f"<reminder-shipment-{po.id}@dropship.test>"


def test_an_acknowledged_po_gets_no_confirmation_reminder(uow_factory, shop, acme, smtp, mail):
    po = _po(uow_factory, shop, acme, 1, sent_hours_ago=72)
    with uow_factory() as uow:
        stored = uow.purchase_orders.get_for_update(shop, po.id)
        stored.acknowledge(actor="vendor", at=NOW)
        uow.purchase_orders.save(shop, stored)
        uow.commit()
    assert _run(uow_factory, mail, shop).sent == 0
    assert smtp.messages == []


def test_vendors_not_emailed_and_shops_that_said_no_get_nothing(
    uow_factory, shop, acme, smtp, mail
):
    edi = _vendor(uow_factory, shop, "EDI", integration="manual")
    _po(uow_factory, shop, edi, 3, sent_hours_ago=200)
    assert _run(uow_factory, mail, shop).sent == 0
    _po(uow_factory, shop, acme, 1, sent_hours_ago=100)
    _settings(uow_factory, shop, vendor_reminders=False)
    assert _run(uow_factory, mail, shop).sent == 0
    _settings(uow_factory, shop, vendor_reminders=True, reminder_confirm_hours=0)
    assert _run(uow_factory, mail, shop).sent == 0  # no confirmation reminder; not late yet
    assert smtp.messages == []


def test_a_mail_failure_leaves_no_history_and_the_next_run_sends(
    uow_factory, shop, acme, other_shop, smtp, mail
):
    po = _po(uow_factory, shop, acme, 1, sent_hours_ago=49)
    beta = _vendor(uow_factory, other_shop, "BETA", emails_to="po@beta.test")
    _po(uow_factory, other_shop, beta, 9, sent_hours_ago=49)
    mailer, defaults = mail
    smtp.refuse_next(1)

    first = send_vendor_reminders(uow_factory, mailer, defaults, PORTAL, NOW)
    assert first == 1  # one shop's failure does not stop the other's
    assert send_vendor_reminders(uow_factory, mailer, defaults, PORTAL, NOW) == 1
    assert send_vendor_reminders(uow_factory, mailer, defaults, PORTAL, NOW) == 0
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["po@acme.test", "po@beta.test"]
    events = _stored(uow_factory, shop, po.id).events
    assert [e.action for e in events].count(REMINDER_SENT) == 1
