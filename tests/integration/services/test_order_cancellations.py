"""A Saleor order cancelled after its POs were created: the unsent ones are cancelled, the sent
ones get a cancellation request (emailed to email vendors), the shipped ones are flagged; each
noted on the order, once (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.purchase_orders import POStatus
from app.errors import Invalid
from app.services import tasks
from app.services.order_cancellations import (
    cancel_order_purchase_orders,
    confirm_po_cancellation,
)
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from tests.fakes import RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

STAFF = "staff@shop.test"


def _pos(catalogue):
    found = list_purchase_orders(
        catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
    )
    return {po.vendor_name: po for po in found}


def _change(catalogue, po_id, change):
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(catalogue.installation_id, po_id)
        change(po)
        uow.purchase_orders.save(catalogue.installation_id, po)
        uow.commit()


def _created(catalogue):
    create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=False,
    )
    return _pos(catalogue)


def _cancel(catalogue, queue):
    return cancel_order_purchase_orders(
        catalogue.uow_factory, queue, catalogue.installation_id, catalogue.order_id
    )


def test_unsent_pos_are_cancelled_and_sent_ones_asked_to_cancel_by_email(catalogue, engine):
    pos = _created(catalogue)
    acme, beta = pos["Acme Supply"], pos["Beta Parts"]
    _change(
        catalogue, acme.id, lambda po: po.mark_sent(actor=STAFF, at=datetime.now(UTC), via="email")
    )
    queue = RecordingTaskQueue()

    outcome = _cancel(catalogue, queue)

    assert (outcome.cancelled, outcome.requested, outcome.flagged) == (
        [beta.number],
        [acme.number],
        [],
    )
    after = _pos(catalogue)
    assert after["Beta Parts"].status is POStatus.CANCELLED
    assert after["Acme Supply"].status is POStatus.CANCEL_REQUESTED
    assert after["Acme Supply"].events[-1].action == "cancellation requested"
    [(name, send)] = [task for task in queue.tasks if task[0] == tasks.SEND_PURCHASE_ORDER]
    assert send["po_id"] == acme.id and send["revision"] == 1  # the notice is revision 2
    notes = pending_notes(engine, catalogue.order_id)
    assert any("cancellation requested from Acme Supply (notice emailed)" in n for n in notes)
    assert any(
        f"PO {beta.number} to Beta Parts cancelled: it had not been sent." in n for n in notes
    )


def test_a_second_cancelled_event_changes_nothing(catalogue, engine):
    pos = _created(catalogue)
    _change(
        catalogue,
        pos["Acme Supply"].id,
        lambda po: po.mark_sent(actor=STAFF, at=datetime.now(UTC), via="email"),
    )
    _cancel(catalogue, RecordingTaskQueue())
    notes = pending_notes(engine, catalogue.order_id)
    queue = RecordingTaskQueue()

    again = _cancel(catalogue, queue)

    assert (again.cancelled, again.requested, again.flagged) == ([], [], [])
    assert queue.tasks == [] or all(t[0] != tasks.SEND_PURCHASE_ORDER for t in queue.tasks)
    assert pending_notes(engine, catalogue.order_id) == notes


def test_a_shipped_po_is_flagged_once_not_cancelled(catalogue, engine):
    pos = _created(catalogue)
    beta = pos["Beta Parts"]

    def ship(po):
        po.mark_sent_by_hand(actor=STAFF, at=datetime.now(UTC))
        po.record_shipping(POStatus.SHIPPED, actor=STAFF, at=datetime.now(UTC))

    _change(catalogue, beta.id, ship)
    first = _cancel(catalogue, RecordingTaskQueue())
    second = _cancel(catalogue, RecordingTaskQueue())

    assert first.flagged == [beta.number] and second.flagged == []
    after = _pos(catalogue)["Beta Parts"]
    assert after.status is POStatus.SHIPPED and after.shipped_before_cancel
    notes = pending_notes(engine, catalogue.order_id)
    assert sum("a return may be needed" in n for n in notes) == 1


def test_a_manual_vendor_is_not_emailed_and_the_merchant_confirms(catalogue, engine):
    pos = _created(catalogue)
    beta = pos["Beta Parts"]
    _change(catalogue, beta.id, lambda po: po.mark_sent_by_hand(actor=STAFF, at=datetime.now(UTC)))
    queue = RecordingTaskQueue()

    assert _cancel(catalogue, queue).requested == [beta.number]
    assert all(task[0] != tasks.SEND_PURCHASE_ORDER for task in queue.tasks)
    assert any(
        "tell Beta Parts the order was cancelled" in n
        for n in pending_notes(engine, catalogue.order_id)
    )

    number = confirm_po_cancellation(
        catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
    )
    assert number == beta.number
    after = _pos(catalogue)["Beta Parts"]
    assert after.status is POStatus.CANCELLED
    assert after.events[-1].action == "cancellation confirmed"
    with pytest.raises(Invalid):
        confirm_po_cancellation(
            catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
        )


def test_the_cancellation_notice_goes_out_as_the_pos_next_revision_marked_cancelled(catalogue):
    import io

    from pypdf import PdfReader

    from app.adapters.documents import TemplateDocuments
    from app.adapters.email_smtp import SmtpMailer
    from app.bootstrap import purchase_order_channels
    from app.services.channels import MailDefaults
    from app.services.dispatch import SendOutcome, dispatch_purchase_order
    from app.services.vendors import save_vendor
    from tests.servers.smtp import SmtpServer

    pos = _created(catalogue)
    acme = pos["Acme Supply"]
    vendor = next(v for v in _vendors(catalogue) if v.id == acme.vendor_id)
    save_vendor(
        catalogue.uow_factory,
        catalogue.installation_id,
        {**_vendor_form(vendor), "file_format": "pdf"},
        vendor.id,
    )
    _change(
        catalogue, acme.id, lambda po: po.mark_sent(actor=STAFF, at=datetime.now(UTC), via="email")
    )
    _cancel(catalogue, RecordingTaskQueue())
    with SmtpServer() as smtp:
        channels = purchase_order_channels(
            SmtpMailer(private_hosts_allowed=True),
            TemplateDocuments(),
            MailDefaults(smtp=smtp.settings(), message_domain="dropship.test"),
        )
        outcome = dispatch_purchase_order(
            catalogue.uow_factory,
            channels,
            RecordingTaskQueue(),
            installation_id=catalogue.installation_id,
            po_id=acme.id,
            revision=1,
            actor="Saleor",
            claim_token="t-1",
            final_attempt=False,
        )
        [message] = smtp.messages
    assert outcome is SendOutcome.SENT
    email = message.message
    assert email["Subject"].startswith("CANCELLED: ")
    assert email["Message-ID"] == f"<po-{catalogue.installation_id}-{acme.id}-r2@dropship.test>"
    assert (
        email.get_body(("plain",))
        .get_content()
        .startswith(f"CANCELLED: purchase order {acme.number} is cancelled")
    )
    [attachment] = list(email.iter_attachments())
    assert attachment.get_filename() == f"PO-{acme.number}-CANCELLED.pdf"
    pdf_text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "CANCELLED" in pdf_text and "Do not ship" in pdf_text
    after = _pos(catalogue)["Acme Supply"]
    assert (after.status, after.revision) == (POStatus.CANCEL_REQUESTED, 2)
    assert after.events[-1].action == "cancellation sent"


def _vendors(catalogue):
    with catalogue.uow_factory() as uow:
        return uow.vendors.list(catalogue.installation_id)


def _vendor_form(vendor):
    return {
        "name": vendor.name,
        "code": vendor.code,
        "currency": vendor.currency,
        "integration": vendor.integration.value,
        "emails_to": ", ".join(vendor.emails_to),
    }
