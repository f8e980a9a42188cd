"""Reminders to vendors (issue 15): one email when a sent PO has no confirmation after the
shop's set time, and one when the vendor's lead time has passed without a full shipment. Each
kind is sent once per PO; the PO's history records it, and is what says it was sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.errors import DomainValidationError
from app.domain.purchase_orders import AWAITING_SHIPMENT, POStatus, PurchaseOrder

REMINDER_SENT = "reminder sent"  # the history entry's action; its detail names the kind
DEFAULT_CONFIRM_AFTER_HOURS = 48
MAX_CONFIRM_AFTER_HOURS = 24 * 30


class ReminderKind(StrEnum):
    CONFIRMATION = "confirmation"  # sent, not confirmed
    SHIPMENT = "shipment"  # past the lead time, not fully shipped


def reminders_sent(po: PurchaseOrder) -> set[ReminderKind]:
    return {
        ReminderKind(event.detail.split(":", 1)[0])
        for event in po.events
        if event.action == REMINDER_SENT and event.detail.split(":", 1)[0] in set(ReminderKind)
    }


def reminder_due(
    po: PurchaseOrder, now: datetime, confirm_after: timedelta | None
) -> ReminderKind | None:
    """The reminder this PO needs now, if any: the shipment one first (it says more), the
    confirmation one only while the PO is sent and not acknowledged. ``confirm_after`` None:
    the shop asks for no confirmation reminder."""
    if po.status not in AWAITING_SHIPMENT or po.sent_at is None:
        return None
    sent = reminders_sent(po)
    if po.due_at is not None and now >= po.due_at and ReminderKind.SHIPMENT not in sent:
        return ReminderKind.SHIPMENT
    if (
        confirm_after is not None
        and po.status is POStatus.SENT
        and now >= po.sent_at + confirm_after
        and not sent  # a vendor reminded to ship needs no reminder to confirm
    ):
        return ReminderKind.CONFIRMATION
    return None


def clean_confirm_after_hours(raw: object) -> int:
    """Hours after sending before the confirmation reminder (0: never), from the Settings form."""
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_CONFIRM_AFTER_HOURS:
        raise DomainValidationError(
            {
                "reminder_confirm_hours": (
                    f"Enter a number of hours from 0 (no reminder) to {MAX_CONFIRM_AFTER_HOURS}."
                )
            }
        )
    return int(text)
