"""EDI end to end against a real SFTP server on loopback and the fake Saleor: the 850 out, the
vendor's 997/855/856/810 back in, broken and repeated files, a changed host key."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.edi import documents as docs
from app.domain.edi.log import Direction, DocumentStatus
from app.domain.edi.x12 import read_interchange
from app.domain.purchase_orders import POStatus
from app.domain.shipments import ShipmentStatus
from app.services.dispatch import SendOutcome
from app.services.edi_ports import SftpUnavailable
from app.services.shipments import list_shipments

UPS = "1Z999AA10123456784"


def pending_notes(shop):
    """The notes waiting for the write-back to the Saleor order, oldest first."""
    with shop.uow_factory() as uow:
        return uow.notes.unsent(shop.installation_id, shop.order_id)


def _sent_850(shop, po):
    """Send the PO and give back the 850 as the vendor reads it from its inbound folder."""
    assert shop.dispatch(po) is SendOutcome.SENT
    [name] = shop.server.files("inbound")
    text = (shop.server.root / "inbound" / name).read_text()
    return name, read_interchange(text)


def test_create_and_send_puts_a_valid_850_in_the_inbound_folder(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    assert [task for task, _ in shop.queue.tasks][-1].endswith("send_purchase_order_task")

    name, interchange = _sent_850(shop, po)

    assert name == f"850-{po.number}-000000001.x12"
    assert (interchange.sender_id, interchange.receiver_id, interchange.usage) == (
        "DROPSHIPSHOP",
        "5551234567",
        "T",
    )
    [(group, transaction)] = interchange.transactions
    read = docs.read_850(transaction)
    assert (read.po_number, read.order_number, read.buyer_name) == (
        po.number,
        "2001",
        "Polygon Shop",
    )
    assert [(x.number, x.quantity, x.unit_price, x.vendor_sku, x.sku) for x in read.lines] == [
        ("1", 3, 5, "A-SHIRT", "SHIRT"),
        ("2", 1, 7.25, "A-MUG", "MUG"),
    ]
    sent = shop.po(po)
    assert (sent.status, sent.sent_via) == (POStatus.SENT, "edi")
    [logged] = shop.documents()
    assert (logged.direction, logged.kind, logged.control_number, logged.status) == (
        Direction.OUT,
        "850",
        1,
        DocumentStatus.SENT,
    )


def test_sftp_down_retries_then_fails_with_the_reason_and_a_retry_sends_the_same_interchange(
    edi_shop,
):
    shop = edi_shop
    po = shop.create_and_send()
    shop.server.stop()

    with pytest.raises(SftpUnavailable):
        shop.dispatch(po)
    assert shop.po(po).status is POStatus.CREATED
    assert shop.dispatch(po, final=True) is SendOutcome.FAILED
    failed = shop.po(po)
    assert failed.status is POStatus.SEND_FAILED
    assert "cannot be reached" in failed.failure_reason

    shop.server.start()  # same port: the vendor's server is back; the merchant presses Retry
    from app.services.purchase_orders import send_purchase_order

    send_purchase_order(shop.uow_factory, shop.queue, shop.installation_id, po.id, actor="m")
    assert shop.dispatch(po, token="task-2") is SendOutcome.SENT
    [name] = shop.server.files("inbound")
    assert read_interchange((shop.server.root / "inbound" / name).read_text()).control_number == 1
    assert [d.control_number for d in shop.documents()] == [1]


class Killed(BaseException):
    """The worker process dies (kill -9) right after the upload, before recording it."""


class DiesAfterUpload:
    def __init__(self, channel):
        self.via = channel.via
        self._channel = channel

    def send(self, message):
        self._channel.send(message)
        raise Killed


def test_a_worker_killed_mid_send_leaves_one_interchange_that_the_retry_reuses(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    channels = shop.channels()
    dying = {kind: DiesAfterUpload(c) for kind, c in channels.items()}

    with pytest.raises(Killed):
        shop.dispatch(po, channels=dying)
    assert shop.po(po).status is POStatus.CREATED

    assert shop.dispatch(po) is SendOutcome.SENT  # the redelivered task, same claim token

    assert len(shop.server.files("inbound")) == 1
    assert [(d.kind, d.control_number) for d in shop.documents()] == [("850", 1)]
    assert shop.po(po).status is POStatus.SENT


def test_997_855_856_810_are_applied_end_to_end_and_answered(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)

    shop.vendor_sends("ack.997", "997", docs.write_997("PO", 1, [("850", "0001")]))
    shop.vendor_sends(
        "poack.855",
        "855",
        docs.write_855(
            po.number,
            date(2026, 12, 1),
            [
                docs.LineAck("1", "A-SHIRT", "", docs.LineStatus.ACCEPTED, 3),
                docs.LineAck("2", "A-MUG", "", docs.LineStatus.BACKORDERED, 1, date(2026, 12, 24)),
            ],
        ),
    )
    report = shop.poll()
    assert (report.applied, report.quarantined, report.error) == (2, 0, "")
    acknowledged = shop.po(po)
    assert acknowledged.status is POStatus.ACKNOWLEDGED
    [acknowledgement] = [e for e in acknowledged.events if e.detail.startswith("855")]
    assert acknowledgement.detail == ("855: SHIRT x3 accepted; MUG x1 backordered until 2026-12-24")
    assert pending_notes(shop)[-1] == (
        f"PO {po.number} acknowledged by Acme (EDI 855): SHIRT x3 accepted; "
        "MUG x1 backordered until 2026-12-24."
    )

    from datetime import UTC, datetime

    order = docs.OrderShipment(
        po.number, "UPSN", [UPS], [docs.ShippedLine("1", "A-SHIRT", "SHIRT", 3, 0)]
    )
    shop.vendor_sends("asn.856", "856", docs.write_856("SH-1", datetime.now(UTC), [order]))
    invoice = docs.Invoice(
        "INV-9",
        po.number,
        date(2026, 12, 2),
        (
            docs.InvoiceLine("1", "A-SHIRT", "", 3, docs.parse_amount("5", "x")),
            docs.InvoiceLine("2", "A-MUG", "", 1, docs.parse_amount("8.00", "x")),
        ),
        docs.parse_amount("23.00", "x"),
    )
    shop.vendor_sends("inv.810", "810", docs.write_810(invoice))
    assert shop.poll().applied == 2

    [shipment] = list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)
    assert (shipment.tracking_numbers, shipment.carrier.code, shipment.source.value) == (
        (UPS,),
        "ups",
        "edi",
    )
    assert shop.write_fulfilments() == [ShipmentStatus.WRITTEN]
    [fulfilment] = shop.fake.order(shop.order_id)["fulfillments"]
    assert fulfilment["trackingNumber"] == UPS
    shipped = shop.po(po)
    assert shipped.status is POStatus.PARTIALLY_SHIPPED
    [mismatch] = [e for e in shipped.events if e.action == "invoice mismatch"]
    assert "MUG: invoiced 1 x 8.00, PO 1 x 7.25" in mismatch.detail

    assert sorted(shop.server.files("archive")) == ["ack.997", "asn.856", "inv.810", "poack.855"]
    assert shop.server.files("outbound") == []
    answers = [n for n in shop.server.files("inbound") if n.startswith("997-")]
    assert len(answers) == 3  # one 997 for each 855, 856 and 810
    for name in answers:
        text = (shop.server.root / "inbound" / name).read_text()
        assert text.split("~")[0].endswith("*0*T*>")  # ISA14: no acknowledgement asked
        assert docs.read_997(read_interchange(text).transactions[0][1]).accepted
    logged = {(d.direction.value, d.kind, d.status.value) for d in shop.documents()}
    assert {("in", "855", "applied"), ("in", "856", "applied"), ("out", "997", "sent")} <= logged
    assert ("out", "850", "acknowledged") in logged


def test_a_997_rejection_shows_on_the_po_with_the_reason(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)

    shop.vendor_sends("nak.997", "997", docs.write_997_rejection("PO", 1, "850", "0001", "5"))
    shop.poll()

    rejected = shop.po(po)
    assert (rejected.status, rejected.failure_reason) == (
        POStatus.SEND_FAILED,
        "Rejected by vendor: one or more segments in error",
    )


def test_a_broken_file_is_quarantined_with_its_error_and_the_others_are_applied(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)
    shop.server.put("outbound", "a-broken.edi", "ISA*this is not X12~")
    shop.vendor_sends("b-unknown-po.855", "855", docs.write_855("NOPE-1", date(2026, 12, 1), []))
    shop.vendor_sends("c-ack.997", "997", docs.write_997("PO", 1, [("850", "0001")]))
    shop.vendor_sends("d-production.997", "997", docs.write_997("PO", 1, []), usage="P")
    shop.vendor_sends("e-stranger.997", "997", docs.write_997("PO", 1, []), sender_id="OTHER")

    report = shop.poll()

    assert (report.applied, report.quarantined) == (1, 4)
    assert shop.server.files("quarantine") == [
        "a-broken.edi",
        "b-unknown-po.855",
        "d-production.997",
        "e-stranger.997",
    ]
    assert shop.server.files("archive") == ["c-ack.997"]
    errors = {d.filename: d.error for d in shop.documents() if d.status.value == "quarantined"}
    assert "does not start with an ISA segment" in errors["a-broken.edi"]
    assert errors["b-unknown-po.855"] == "No PO 'NOPE-1' was sent to this vendor."
    assert errors["d-production.997"] == (
        "A production interchange arrived while this vendor is set to test."
    )
    assert errors["e-stranger.997"].startswith("The interchange comes from 12/OTHER")
    assert shop.po(po).status is POStatus.ACKNOWLEDGED


def test_a_file_seen_twice_is_applied_once(edi_shop):
    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)
    from datetime import UTC, datetime

    order = docs.OrderShipment(
        po.number, "UPSN", [UPS], [docs.ShippedLine("1", "A-SHIRT", "SHIRT", 1, 0)]
    )
    text = shop.vendor_sends("asn.856", "856", docs.write_856("SH-1", datetime.now(UTC), [order]))
    assert shop.poll().applied == 1

    shop.server.put("outbound", "asn.856", text)  # the vendor's side puts the same file again
    report = shop.poll()

    assert (report.applied, report.skipped) == (0, 1)
    assert len(list_shipments(shop.uow_factory, shop.installation_id, shop.order_id)) == 1
    assert shop.server.files("archive") == ["asn.856", "asn.856.2"]
    assert [d.kind for d in shop.documents() if d.direction is Direction.IN] == ["856"]


def test_a_changed_host_key_is_refused_and_said_so(edi_shop):
    shop = edi_shop
    shop.server.put("outbound", "x.997", "anything")
    shop.server.new_host_key()

    report = shop.poll()

    assert "host key changed" in report.error
    assert shop.server.files("outbound") == ["x.997"]
    assert shop.server.passwords_seen == []


def test_a_resend_is_a_new_interchange_marked_duplicate_when_the_partner_wants_it(edi_shop):
    from app.services.edi_partners import save_edi_settings
    from app.services.purchase_orders import send_purchase_order
    from tests.integration.edi.conftest import edi_settings

    shop = edi_shop
    save_edi_settings(
        shop.uow_factory,
        shop.installation_id,
        shop.vendor_id,
        {**edi_settings(shop.server), "mark_resends": "1", "send_ship_date": "1"},
    )
    po = shop.create_and_send()
    _sent_850(shop, po)

    send_purchase_order(shop.uow_factory, shop.queue, shop.installation_id, po.id, actor="m")
    assert shop.dispatch(po, token="task-2", revision=1) is SendOutcome.SENT

    first, second = sorted(shop.server.files("inbound"))
    read = [
        read_interchange((shop.server.root / "inbound" / name).read_text())
        for name in (first, second)
    ]
    assert [r.control_number for r in read] == [1, 2]
    assert [docs.read_850(r.transactions[0][1]).purpose for r in read] == ["00", "07"]
    assert {docs.read_850(r.transactions[0][1]).po_number for r in read} == {po.number}
    created = shop.po(po).created_at.date()  # the vendor's lead time is 0 days
    assert {docs.read_850(r.transactions[0][1]).ship_by for r in read} == {created}


def test_the_minute_poll_takes_every_edi_vendor_and_records_an_unreachable_one(edi_shop):
    from app.services.edi_inbound import poll_edi_vendors
    from tests.integration.edi.conftest import CARRIERS, TRANSPORT

    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)
    shop.vendor_sends("ack.997", "997", docs.write_997("PO", 1, [("850", "0001")]))

    assert poll_edi_vendors(shop.uow_factory, shop.queue, CARRIERS, TRANSPORT) == 1
    assert shop.po(po).status is POStatus.ACKNOWLEDGED

    shop.server.stop()
    assert poll_edi_vendors(shop.uow_factory, shop.queue, CARRIERS, TRANSPORT) == 0
    with shop.uow_factory() as uow:
        polled_at, error = uow.edi.last_poll(shop.installation_id, shop.vendor_id)
    assert polled_at is not None and "cannot be reached" in error


def test_an_amended_po_is_applied_by_hand_and_never_resent_as_an_850(edi_shop):
    from dataclasses import replace as changed
    from datetime import UTC, datetime

    from app.domain.po_changes import POChanges
    from app.services.order_changes import send_purchase_order_update
    from app.services.purchase_orders import send_purchase_order

    shop = edi_shop
    po = shop.create_and_send()
    _sent_850(shop, po)
    with shop.uow_factory() as uow:  # the order moved after the 850 went out (ORDER_UPDATED)
        stored = uow.purchase_orders.get_for_update(shop.installation_id, po.id)
        moved = changed(stored.ship_to, street_address_1="9 New Street")
        stored.flag_changes(POChanges(stored.ship_to, moved), actor="Saleor", at=datetime.now(UTC))
        uow.purchase_orders.save(shop.installation_id, stored)
        uow.commit()

    send_purchase_order_update(shop.uow_factory, shop.queue, shop.installation_id, po.id, actor="m")
    assert (shop.po(po).revision, shop.po(po).amended_revision) == (2, 2)  # handed over by hand
    send_purchase_order(shop.uow_factory, shop.queue, shop.installation_id, po.id, actor="m")

    assert shop.dispatch(po, token="task-2", revision=2) is SendOutcome.FAILED
    assert len(shop.server.files("inbound")) == 1  # no second 850
    assert "X12 860" in shop.po(po).events[-1].detail
