"""The daily late-PO email through a real SMTP server on loopback: once a day per shop, only
late POs, nothing for a shop that opted out, and again after the mail server failed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.adapters.email_smtp import SmtpMailer
from app.services.channels import MailDefaults
from app.services.late_pos import send_late_digest, send_late_digests
from app.services.ports import MailUnavailable
from app.services.vendors import save_vendor
from tests.builders import make_po_line, make_purchase_order
from tests.servers.smtp import SmtpServer

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


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


def _po(uow_factory, shop, vendor, n, *, sent_days_ago, lead):
    po = make_purchase_order(
        number=f"{n}-1",
        order_number=str(n),
        saleor_order_id=f"o-{n}",
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        lines=[make_po_line(f"SKU-{n}", f"V-{n}", "Shirt", "M", 1, "5.00")],
    )
    po.mark_sent(
        actor="s", at=NOW - timedelta(days=sent_days_ago), via="email", lead_time_days=lead
    )
    with uow_factory() as uow:
        uow.purchase_orders.add(shop, po)
        uow.commit()


@pytest.fixture
def late_shop(uow_factory, shop):
    _settings(uow_factory, shop, shop_name="Polygon", merchant_email="owner@shop.test")
    vendor = save_vendor(
        uow_factory,
        shop,
        {
            "name": "Acme",
            "code": "A",
            "currency": "EUR",
            "emails_to": "a@a.test",
            "lead_time_days": "3",
        },
    )
    _po(uow_factory, shop, vendor, 1, sent_days_ago=5, lead=3)  # 2 days late
    _po(uow_factory, shop, vendor, 2, sent_days_ago=1, lead=3)  # due in 2 days
    return shop


def test_the_email_lists_the_late_pos_once_a_day(uow_factory, late_shop, smtp, mail):
    mailer, defaults = mail
    assert send_late_digest(uow_factory, mailer, defaults, late_shop, NOW)
    assert not send_late_digest(uow_factory, mailer, defaults, late_shop, NOW + timedelta(hours=5))
    [message] = smtp.messages
    assert message.rcpt_tos == ("owner@shop.test",)
    assert message.message["Subject"] == "Polygon: 1 purchase order is late"
    body = message.message.get_content()
    assert "PO 1-1 to Acme, order #1: due 2026-11-29, 2 days late" in body
    assert "2-1" not in body
    assert message.message["Message-ID"] == f"<late-pos-{late_shop}-2026-12-01@dropship.test>"
    assert send_late_digest(uow_factory, mailer, defaults, late_shop, NOW + timedelta(days=1))
    assert len(smtp.messages) == 2


def test_a_shop_that_opted_out_or_has_nothing_late_gets_nothing(uow_factory, late_shop, smtp, mail):
    mailer, defaults = mail
    assert not send_late_digest(uow_factory, mailer, defaults, late_shop, NOW - timedelta(days=3))
    _settings(uow_factory, late_shop, late_digest=False)
    assert not send_late_digest(uow_factory, mailer, defaults, late_shop, NOW)
    assert smtp.messages == []


def test_a_mail_server_failure_gives_the_day_back_for_the_next_run(
    uow_factory, late_shop, smtp, mail
):
    mailer, defaults = mail
    smtp.refuse_next(1)
    with pytest.raises(MailUnavailable):
        send_late_digest(uow_factory, mailer, defaults, late_shop, NOW)
    assert send_late_digest(uow_factory, mailer, defaults, late_shop, NOW + timedelta(hours=1))
    assert len(smtp.messages) == 1


def test_every_shop_gets_its_own_and_a_failure_does_not_stop_the_others(
    uow_factory, late_shop, other_shop, smtp, mail
):
    mailer, defaults = mail
    _settings(uow_factory, other_shop, merchant_email="other@shop.test")
    vendor = save_vendor(
        uow_factory,
        other_shop,
        {
            "name": "Beta",
            "code": "B",
            "currency": "EUR",
            "emails_to": "b@b.test",
            "lead_time_days": "1",
        },
    )
    _po(uow_factory, other_shop, vendor, 7, sent_days_ago=4, lead=1)
    smtp.refuse_next(1)
    first = send_late_digests(uow_factory, mailer, defaults)
    assert first == 1
    assert send_late_digests(uow_factory, mailer, defaults) == 1
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == ["other@shop.test", "owner@shop.test"]
    assert all(
        "Acme" not in m.message.get_content()
        for m in smtp.messages
        if m.rcpt_tos[0] == "other@shop.test"
    )
