"""An EDI vendor end to end, through HTTP and a real Celery worker: "Create PO(s) & Send" puts a
valid 850 in the vendor's SFTP inbound folder; the vendor's 855 and 856 in its outbound folder
are taken by the worker's poll: the PO shows acknowledged and shipped, and the order gets its
fulfilment in Saleor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import requests

from app.domain.edi import documents as docs
from app.domain.edi.x12 import Envelope, Separators, read_interchange, write_interchange
from app.services import tasks
from app.services.edi_partners import pin_edi_host_key, save_edi_settings
from app.services.product_vendors import save_product_vendor
from app.services.shop_settings import save_settings
from app.services.vendors import save_vendor
from tests.builders import make_line, make_order
from tests.e2e.conftest import open_widget, wait_until
from tests.gate import GO_AHEAD
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE
from tests.servers.sftp import HOST, PASSWORD, USER, SftpServer

UPS = "1Z999AA10123456784"
VENDOR = Envelope("12", "5551234567", "ZZ", "DROPSHIPSHOP", "ACMEAPP", "DROPSHIP", "T")


def _edi_vendor(live, api_url, order, server):
    uow_factory = live.container.uow_factory
    with uow_factory() as uow:
        installation_id = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, installation_id, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    acme = save_vendor(
        uow_factory,
        installation_id,
        {"name": "Acme Supply", "code": "ACME", "currency": "USD", "integration": "edi"},
    )
    save_product_vendor(
        uow_factory,
        installation_id,
        {
            "vendor_id": str(acme.id),
            "product_id": order["lines"][0]["variant"]["product"]["id"],
            "unit_cost": "10.00",
            "vendor_sku": "ACME-SHIRT",
            "is_default": "1",
        },
    )
    save_edi_settings(
        uow_factory,
        installation_id,
        acme.id,
        {
            "sender_id": "DROPSHIPSHOP",
            "receiver_qualifier": "12",
            "receiver_id": "5551234567",
            "application_sender": "DROPSHIP",
            "application_receiver": "ACMEAPP",
            "sftp_host": HOST,
            "sftp_port": str(server.port),
            "sftp_username": USER,
            "sftp_password": PASSWORD,
        },
    )
    pin_edi_host_key(uow_factory, installation_id, acme.id, server.fingerprint)
    return installation_id, acme


def _vendor_sends(server, name, set_id, segments, control):
    text = write_interchange(VENDOR, Separators(), control, datetime.now(UTC), [(set_id, segments)])
    server.put("outbound", name, text)


def _po(live, installation_id, order_id):
    with live.container.uow_factory() as uow:
        [po] = uow.purchase_orders.list_for_order(installation_id, order_id)
    return po


def test_create_and_send_to_an_edi_vendor_and_its_answers_become_a_fulfilment(e2e, tmp_path):
    fake, live, app = e2e
    order = make_order(
        number="7001",
        isPaid=True,
        chargeStatus="FULL",
        lines=[make_line(sku="SHIRT", quantity=2, allocations=[])],
    )
    fake.add_order(order)
    with SftpServer(tmp_path / "sftp") as server:
        installation_id, _ = _edi_vendor(live, fake.api_url, order, server)
        fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
        page, fields = wait_until(
            lambda: (
                (found := open_widget(live, fake, app, order["id"]))
                and "Acme Supply" in found[0]
                and found
            ),
            what="the plan",
        )

        created = requests.post(
            f"{live.url}/widgets/order/purchase-orders",
            timeout=10,
            data={**fields, "send": "1", **GO_AHEAD},  # paid, review not approved: confirmed
        )
        assert created.status_code == 200, created.text
        [name] = wait_until(lambda: server.files("inbound"), what="the 850 upload")
        interchange = read_interchange((server.root / "inbound" / name).read_text())
        sent = docs.read_850(interchange.transactions[0][1])
        assert (sent.po_number, sent.lines[0].vendor_sku, sent.lines[0].quantity) == (
            "7001-1",
            "ACME-SHIRT",
            2,
        )
        wait_until(
            lambda: _po(live, installation_id, order["id"]).status.value == "sent",
            what="the PO sent",
        )

        _vendor_sends(
            server,
            "ack.855",
            "855",
            docs.write_855(
                "7001-1",
                date(2026, 12, 1),
                [docs.LineAck("1", "ACME-SHIRT", "", docs.LineStatus.ACCEPTED, 2)],
            ),
            900,
        )
        shipped = docs.OrderShipment(
            "7001-1", "UPSN", [UPS], [docs.ShippedLine("1", "ACME-SHIRT", "SHIRT", 2, 0)]
        )
        _vendor_sends(
            server, "ship.856", "856", docs.write_856("SH1", datetime.now(UTC), [shipped]), 901
        )
        live.container.task_queue.enqueue(tasks.TaskName.POLL_EDI_VENDORS)  # as beat does

        fulfilments = wait_until(
            lambda: fake.order(order["id"]).get("fulfillments"), what="the fulfilment in Saleor"
        )
        assert [f["trackingNumber"] for f in fulfilments] == [UPS]
        po = wait_until(
            lambda: (p := _po(live, installation_id, order["id"])).status.value == "shipped" and p,
            what="the PO shipped",
        )
        assert any(e.action == "acknowledged" for e in po.events)
        assert sorted(server.files("archive")) == ["ack.855", "ship.856"]
        answers = [n for n in server.files("inbound") if n.startswith("997-")]
        assert len(answers) == 2
