"""An order changed in Saleor after its POs were sent: the sent POs are flagged with the
difference (once), a revert clears the flag, and Send update applies the change and sends the
amended PO as the next revision (SQLite, and PostgreSQL when configured). ADR 21."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.adapters.documents import TemplateDocuments
from app.bootstrap import purchase_order_channels
from app.domain.errors import RuleViolation
from app.domain.purchase_orders import POStatus
from app.domain.shipments import Shipment, ShipmentLine
from app.services import tasks
from app.services.channels import MailDefaults
from app.services.dispatch import SendOutcome, dispatch_purchase_order
from app.services.order_changes import flag_changed_purchase_orders, send_purchase_order_update
from app.services.ports import SmtpSettings
from app.services.purchase_orders import create_purchase_orders, list_purchase_orders
from tests.builders import make_address
from tests.fakes import FakeMailer, RecordingTaskQueue
from tests.integration.services.conftest import pending_notes

STAFF = "staff@shop.test"
SMTP = SmtpSettings(host="127.0.0.1", port=2525, sender="orders@shop.test", security="none")
DEFAULTS = MailDefaults(smtp=SMTP, message_domain="dropship.test")
MOVED = {"streetAddress1": "9 New Street", "postalCode": "94105"}


def _pos(catalogue):
    found = list_purchase_orders(
        catalogue.uow_factory, catalogue.installation_id, catalogue.order_id
    )
    return {po.vendor_name: po for po in found}


def _change_po(catalogue, po_id, change):
    with catalogue.uow_factory() as uow:
        po = uow.purchase_orders.get_for_update(catalogue.installation_id, po_id)
        change(po)
        uow.purchase_orders.save(catalogue.installation_id, po)
        uow.commit()


def _sent(catalogue, *, by_hand=()):
    """Both POs created; Acme's emailed (revision 1), the others marked sent by hand."""
    create_purchase_orders(
        catalogue.uow_factory,
        RecordingTaskQueue(),
        catalogue.installation_id,
        catalogue.order_id,
        actor=STAFF,
        send=False,
    )
    pos = _pos(catalogue)
    now = datetime.now(UTC)
    _change_po(
        catalogue, pos["Acme Supply"].id, lambda po: po.mark_sent(actor=STAFF, at=now, via="email")
    )
    for name in by_hand:
        _change_po(catalogue, pos[name].id, lambda po: po.mark_sent_by_hand(actor=STAFF, at=now))
    return _pos(catalogue)


def _order_now(catalogue, *, address=None, lines=None):
    """Saleor's order after a staff edit, stored as ORDER_UPDATED stores it."""
    order = dict(catalogue.order)
    if address is not None:
        order["shippingAddress"] = make_address(**address)
    if lines is not None:
        order["lines"] = lines
    catalogue.store_order(order)


def _flag(catalogue, queue=None):
    return flag_changed_purchase_orders(
        catalogue.uow_factory, queue or RecordingTaskQueue(), catalogue.installation_id,
        catalogue.order_id,
    )  # fmt: skip


def test_an_address_change_flags_each_sent_po_with_the_difference_once(catalogue, engine):
    pos = _sent(catalogue, by_hand=("Beta Parts",))
    _order_now(catalogue, address=MOVED)

    first = _flag(catalogue)
    notes_after_first = pending_notes(engine, catalogue.order_id)
    second = _flag(catalogue)

    assert sorted(first) == sorted(po.number for po in pos.values()) and second == []
    acme = _pos(catalogue)["Acme Supply"]
    assert acme.changes is not None and acme.status is POStatus.SENT
    assert acme.changes.changed_address_fields == ("street_address_1", "postal_code")
    assert acme.changes.new_ship_to.street_address_1 == "9 New Street"
    assert acme.ship_to.street_address_1 == "1600 Amphitheatre Parkway"  # not applied yet
    assert [e.action for e in acme.events].count("changed since sent") == 1
    assert pending_notes(engine, catalogue.order_id) == notes_after_first
    assert any(
        f"PO {acme.number} to Acme Supply changed since sent: Ship-to street: "
        "1600 Amphitheatre Parkway → 9 New Street" in note
        for note in notes_after_first
    )


def test_a_change_back_to_the_po_clears_the_flag(catalogue, engine):
    _sent(catalogue)
    _order_now(catalogue, address=MOVED)
    _flag(catalogue)

    _order_now(catalogue, address={})
    cleared = _flag(catalogue)

    acme = _pos(catalogue)["Acme Supply"]
    assert cleared == [acme.number] and acme.changes is None
    assert acme.events[-1].action == "change reverted"
    assert any(
        "the order matches the PO again" in n for n in pending_notes(engine, catalogue.order_id)
    )


def test_quantity_changes_and_removed_lines_touch_only_the_pos_that_have_them(catalogue):
    pos = _sent(catalogue, by_hand=("Beta Parts",))
    acme_line = pos["Acme Supply"].lines[0].order_line_id
    lines = [dict(line) for line in catalogue.order["lines"] if line["id"] != acme_line]
    _order_now(catalogue, lines=lines)  # Acme's line removed; Beta's lines unchanged

    assert _flag(catalogue) == [pos["Acme Supply"].number]

    after = _pos(catalogue)
    [removed] = after["Acme Supply"].changes.lines
    assert (removed.order_line_id, removed.old_quantity, removed.removed) == (acme_line, 2, True)
    assert after["Beta Parts"].changes is None


def test_unsent_pos_are_not_flagged(catalogue):
    create_purchase_orders(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id,
        catalogue.order_id, actor=STAFF, send=False,
    )  # fmt: skip
    _order_now(catalogue, address=MOVED)

    assert _flag(catalogue) == []
    assert all(po.changes is None for po in _pos(catalogue).values())


def test_send_update_emails_the_amended_po_as_revision_2(catalogue, engine):
    acme = _sent(catalogue)["Acme Supply"]
    _order_now(catalogue, address=MOVED)
    _flag(catalogue)
    queue = RecordingTaskQueue()

    updated = send_purchase_order_update(
        catalogue.uow_factory, queue, catalogue.installation_id, acme.id, actor=STAFF
    )

    assert updated.amended_revision == 2
    [(_, send)] = [task for task in queue.tasks if task[0] == tasks.SEND_PURCHASE_ORDER]
    assert (send["po_id"], send["revision"]) == (acme.id, 1)
    stored = _pos(catalogue)["Acme Supply"]
    assert stored.ship_to.street_address_1 == "9 New Street" and stored.changes is None
    mailer = FakeMailer()

    outcome = dispatch_purchase_order(
        catalogue.uow_factory,
        purchase_order_channels(mailer, TemplateDocuments(), DEFAULTS),
        RecordingTaskQueue(),
        installation_id=catalogue.installation_id,
        po_id=acme.id,
        revision=1,
        actor=STAFF,
        claim_token="task-1",
        final_attempt=False,
    )

    assert outcome is SendOutcome.SENT
    [(email, _)] = mailer.sent
    assert email.subject.startswith("AMENDED — revision 2: ")
    assert email.text_body.startswith(
        f"AMENDED — revision 2 of purchase order {acme.number}: the customer's order changed."
        " What changed:\n  - Ship-to street: 1600 Amphitheatre Parkway → 9 New Street\n"
    )
    assert "  9 New Street\n" in email.text_body  # the PO itself carries the new address
    assert email.message_id.startswith(f"<po-{catalogue.installation_id}-{acme.id}-r2@")
    assert all("-AMENDED-r2." in attachment.filename for attachment in email.attachments)
    sent = _pos(catalogue)["Acme Supply"]
    assert (sent.revision, sent.status, sent.events[-1].action) == (
        2,
        POStatus.SENT,
        "amendment sent",
    )
    notes = pending_notes(engine, catalogue.order_id)
    assert any(
        f"PO {acme.number}: amended PO (revision 2) being sent to Acme Supply" in n for n in notes
    )


def test_a_removed_line_is_cancelled_on_the_po_and_released(catalogue):
    acme = _sent(catalogue)["Acme Supply"]
    acme_line = acme.lines[0].order_line_id
    lines = [dict(line) for line in catalogue.order["lines"] if line["id"] != acme_line]
    _order_now(catalogue, lines=lines)
    _flag(catalogue)

    send_purchase_order_update(
        catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id, acme.id, actor=STAFF
    )

    stored = _pos(catalogue)["Acme Supply"]
    assert [line.quantity for line in stored.lines] == [0]
    with catalogue.uow_factory() as uow:
        on_pos = uow.purchase_orders.quantity_on_open_pos(
            catalogue.installation_id, catalogue.order_id
        )
    assert on_pos.get(acme_line, 0) == 0


def test_a_shipped_line_is_flagged_but_not_amended(catalogue, engine):
    acme = _sent(catalogue)["Acme Supply"]
    line = acme.lines[0]
    with catalogue.uow_factory() as uow:
        uow.shipments.add(
            catalogue.installation_id,
            Shipment(
                purchase_order_id=acme.id,
                saleor_order_id=catalogue.order_id,
                tracking_numbers=("1Z999",),
                lines=[ShipmentLine(line.order_line_id, 1)],
                created_at=datetime.now(UTC),
            ),
        )
        uow.commit()
    _change_po(catalogue, acme.id, lambda po: po.record_shipping(
        POStatus.PARTIALLY_SHIPPED, actor=STAFF, at=datetime.now(UTC)))  # fmt: skip
    lines = [dict(item) for item in catalogue.order["lines"]]
    lines[[item["id"] for item in lines].index(line.order_line_id)]["quantity"] = 5
    _order_now(catalogue, lines=lines)

    assert _flag(catalogue) == [acme.number]

    flagged = _pos(catalogue)["Acme Supply"]
    assert [c.shipped for c in flagged.changes.lines] == [1] and not flagged.can_send_update
    assert any(
        "Lines already shipped are not amended" in n
        for n in pending_notes(engine, catalogue.order_id)
    )
    with pytest.raises(RuleViolation, match="no change that can be sent"):
        send_purchase_order_update(
            catalogue.uow_factory, RecordingTaskQueue(), catalogue.installation_id, acme.id,
            actor=STAFF,
        )  # fmt: skip
    assert _pos(catalogue)["Acme Supply"].lines[0].quantity == 2


def test_a_manual_vendor_gets_the_update_applied_to_send_by_hand(catalogue, engine):
    beta = _sent(catalogue, by_hand=("Beta Parts",))["Beta Parts"]
    _order_now(catalogue, address=MOVED)
    _flag(catalogue)
    queue = RecordingTaskQueue()

    send_purchase_order_update(
        catalogue.uow_factory, queue, catalogue.installation_id, beta.id, actor=STAFF
    )

    assert all(task[0] != tasks.SEND_PURCHASE_ORDER for task in queue.tasks)
    stored = _pos(catalogue)["Beta Parts"]
    assert (stored.revision, stored.amended_label, stored.amendment_pending) == (
        2, "AMENDED — revision 2", False,
    )  # fmt: skip
    assert stored.ship_to.street_address_1 == "9 New Street"
    assert any(
        f"PO {beta.number}: amended (revision 2); send it by hand to Beta Parts" in n
        for n in pending_notes(engine, catalogue.order_id)
    )
