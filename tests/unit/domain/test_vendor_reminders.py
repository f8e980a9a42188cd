"""Which reminder a PO needs, once each, and the Settings field's bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import DomainValidationError
from app.domain.purchase_orders import POEvent, POStatus
from app.domain.shop_settings import ShopSettings, clean_settings
from app.domain.vendor_reminders import (
    REMINDER_SENT,
    ReminderKind,
    clean_confirm_after_hours,
    reminder_due,
)
from tests.builders import make_purchase_order

SENT = datetime(2026, 12, 1, 8, tzinfo=UTC)
DAY = timedelta(days=1)
TWO_DAYS = timedelta(hours=48)


def _sent_po(lead_days=5, status=POStatus.SENT):
    po = make_purchase_order()
    po.mark_sent(actor="s", at=SENT, via="email", lead_time_days=lead_days)
    po.status = status
    return po


def _reminded(po, kind):
    po.events.append(POEvent(SENT, "r", REMINDER_SENT, f"{kind}: to Acme"))


def test_confirmation_is_due_at_the_set_time_and_only_once():
    po = _sent_po()
    assert reminder_due(po, SENT + TWO_DAYS - timedelta(seconds=1), TWO_DAYS) is None
    assert reminder_due(po, SENT + TWO_DAYS, TWO_DAYS) is ReminderKind.CONFIRMATION
    _reminded(po, ReminderKind.CONFIRMATION)
    assert reminder_due(po, SENT + 3 * DAY, TWO_DAYS) is None


def test_shipment_is_due_at_the_lead_time_once_whatever_was_sent_before():
    po = _sent_po(status=POStatus.ACKNOWLEDGED)
    assert reminder_due(po, SENT + 5 * DAY - timedelta(seconds=1), TWO_DAYS) is None
    _reminded(po, ReminderKind.CONFIRMATION)
    assert reminder_due(po, SENT + 5 * DAY, TWO_DAYS) is ReminderKind.SHIPMENT
    _reminded(po, ReminderKind.SHIPMENT)
    assert reminder_due(po, SENT + 9 * DAY, TWO_DAYS) is None


@pytest.mark.parametrize(
    "status", [POStatus.CREATED, POStatus.SHIPPED, POStatus.CANCELLED, POStatus.CANCEL_REQUESTED]
)
def test_a_po_the_vendor_does_not_owe_gets_no_reminder(status):
    assert reminder_due(_sent_po(status=status), SENT + 30 * DAY, TWO_DAYS) is None


def test_no_confirmation_reminder_when_the_shop_set_none_and_no_late_one_without_lead_time():
    assert reminder_due(_sent_po(lead_days=0), SENT + 30 * DAY, None) is None
    assert reminder_due(_sent_po(lead_days=0), SENT + 30 * DAY, TWO_DAYS) is (
        ReminderKind.CONFIRMATION
    )


@pytest.mark.parametrize("raw", ["-1", "1.5", "abc", "721", "٣"])
def test_the_hours_field_refuses_what_is_not_0_to_720(raw):
    with pytest.raises(DomainValidationError) as raised:
        clean_confirm_after_hours(raw)
    assert "reminder_confirm_hours" in raised.value.errors


def test_the_settings_form_takes_the_reminder_fields():
    cleaned = clean_settings(
        {"reminder_confirm_hours": " 24 ", "vendor_reminders": "0"}, ShopSettings()
    )
    assert (cleaned.reminder_confirm_hours, cleaned.vendor_reminders) == (24, False)
    with pytest.raises(DomainValidationError) as raised:
        clean_settings({"reminder_confirm_hours": "x"}, ShopSettings())
    assert set(raised.value.errors) == {"reminder_confirm_hours"}
