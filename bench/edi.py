"""EDI benchmark: 1,000 POs written as X12 850s (and sent over SFTP), 1,000 856s read and applied.

    .venv/bin/python bench/edi.py [--pos 1000] [--lines 2]

Set-up (not timed): the fake Saleor holds ``--pos`` paid orders of ``--lines`` lines; the app
read them and created one PO per order for an EDI vendor whose SFTP server (asyncssh, loopback,
tests/servers/sftp.py) has its host key pinned. SQLite file. Timed, each phase on its own:

1. writing: every PO as an 850 interchange (domain writer only), then reading each back
   (strict reader and 850 reader);
2. sending: each PO through the EDI channel as the worker does (control number, stored
   interchange, one SSH login and an atomic upload per PO);
3. the vendor's 856s (one per PO, one package each) are put in its outbound folder; the poller
   takes them (read, hash, parse, apply as a shipment, our 997 answer, archive) until none is
   left. The fulfilment writes to Saleor they queue are not run here (bench/shipment_import.py
   measures those).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.carriers import TrackingNumberCarriers  # noqa: E402
from app.adapters.crypto import TokenCipher  # noqa: E402
from app.adapters.db.engine import build_engine, upgrade_database  # noqa: E402
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from app.adapters.saleor.documents import load_documents, load_schema  # noqa: E402
from app.adapters.saleor.gateway import SaleorHttpGateway  # noqa: E402
from app.adapters.sftp import AsyncsshTransport  # noqa: E402
from app.bootstrap import purchase_order_channels  # noqa: E402
from app.domain.edi import documents as docs  # noqa: E402
from app.domain.edi.x12 import Envelope, Separators, read_interchange, write_interchange  # noqa: E402
from app.domain.installations import Installation, SaleorApiUrl  # noqa: E402
from app.services import tasks  # noqa: E402
from app.services.channels import MailDefaults  # noqa: E402
from app.services.dispatch import SendOutcome, dispatch_purchase_order  # noqa: E402
from app.services.edi_channel import EdiChannel  # noqa: E402
from app.services.edi_inbound import poll_edi_vendor  # noqa: E402
from app.services.edi_partners import pin_edi_host_key, save_edi_settings  # noqa: E402
from app.services.orders import refresh_order  # noqa: E402
from app.services.product_vendors import save_product_vendor  # noqa: E402
from app.services.purchase_orders import create_purchase_orders  # noqa: E402
from app.services.shop_settings import save_settings  # noqa: E402
from app.services.vendors import save_vendor  # noqa: E402
from tests.builders import global_id, make_line, make_order  # noqa: E402
from tests.conftest import SCHEMA_PATH  # noqa: E402
from tests.fakes import FakeDocuments, FakeMailer, RecordingTaskQueue  # noqa: E402
from tests.servers.fake_saleor import FakeSaleor  # noqa: E402
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE  # noqa: E402
from tests.servers.sftp import HOST, PASSWORD, USER, SftpServer  # noqa: E402

VENDOR = Envelope("12", "5551234567", "ZZ", "DROPSHIPSHOP", "ACMEAPP", "DROPSHIP", "T")
UPS_PREFIX = "1Z999AA1"


def _line(order_number: int, index: int) -> dict[str, object]:
    sku = f"SKU-{order_number}-{index}"
    variant = {
        "id": global_id("ProductVariant", sku),
        "sku": sku,
        "product": {"id": global_id("Product", sku), "name": f"Product {sku}"},
    }
    return make_line(sku=sku, quantity=2, allocations=[], variant=variant)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def run(count: int, lines: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="dropship-bench-edi-"))
    engine = build_engine(f"sqlite:///{workdir}/bench.sqlite")
    upgrade_database(engine)
    cipher = TokenCipher("benchmark-secret-key-0123456789")
    transport = AsyncsshTransport(timeout_seconds=20, private_hosts_allowed=True)

    def uow_factory() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, cipher)

    with FakeSaleor() as fake, SftpServer(workdir / "sftp") as server:
        fake.auto_deliver_events = False
        app = fake.add_app("Drop-ship", ["MANAGE_ORDERS", "MANAGE_PRODUCTS"], [])
        saleor = SaleorHttpGateway(
            schema=load_schema(SCHEMA_PATH),
            documents=load_documents(ROOT / "graphql"),
            subscriptions=load_documents(ROOT / "webhooks"),
            timeout=10,
        )
        with uow_factory() as uow:
            installation = uow.installations.save(
                Installation(
                    saleor_api_url=SaleorApiUrl(fake.api_url),
                    app_id=app.app_id,
                    token=app.token,
                    jwks={},
                )
            )
            uow.commit()
        shop = installation.id
        assert shop is not None
        save_settings(
            uow_factory,
            shop,
            {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"], "shop_name": "Bench Shop"},
        )
        vendor = save_vendor(
            uow_factory,
            shop,
            {"name": "Acme", "code": "ACME", "currency": "USD", "integration": "edi"},
        )
        assert vendor.id is not None
        save_edi_settings(
            uow_factory,
            shop,
            vendor.id,
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
        pin_edi_host_key(uow_factory, shop, vendor.id, server.fingerprint)
        queue = RecordingTaskQueue()
        pos = []
        for number in range(10000, 10000 + count):
            order = make_order(
                number=str(number),
                isPaid=True,
                chargeStatus="FULL",
                lines=[_line(number, n) for n in range(lines)],
            )
            fake.add_order(order)
            for line in order["lines"]:
                save_product_vendor(
                    uow_factory,
                    shop,
                    {
                        "vendor_id": str(vendor.id),
                        "product_id": line["variant"]["product"]["id"],
                        "unit_cost": "3.25",
                        "vendor_sku": f"V-{line['productSku']}",
                    },
                )
            refresh_order(uow_factory, saleor, installation, order["id"])
            pos += create_purchase_orders(
                uow_factory,
                queue,
                shop,
                order["id"],
                actor="b",
                send=True,
                go_ahead_reason="bench: orders not reviewed",
            )
        print(f"set-up: {count} orders of {lines} lines, {len(pos)} POs")

        # 1. The 850 writer and reader alone.
        buyer = docs.Buyer("Bench Shop", "buyer@bench.example")
        with uow_factory() as uow:
            partner = uow.edi.get_partner(shop, vendor.id)
        assert partner is not None
        now = datetime.now(UTC)
        written, writes, reads = [], [], []
        for control, po in enumerate(pos, start=1):
            started = time.perf_counter()
            body = docs.write_850(po, buyer, partner.separators, now)
            text = write_interchange(
                partner.envelope, partner.separators, control, now, [("850", body)]
            )
            writes.append(time.perf_counter() - started)
            written.append(text)
        for text in written:
            started = time.perf_counter()
            docs.read_850(read_interchange(text).transactions[0][1])
            reads.append(time.perf_counter() - started)
        size = statistics.mean(len(t) for t in written)
        print(f"850 write: {sum(writes):.3f} s for {count} ({_ms(writes)}), {size:.0f} bytes each")
        print(f"850 read back (strict): {sum(reads):.3f} s ({_ms(reads)})")

        # 2. Sending as the worker does, each PO its own SSH login and atomic upload.
        defaults = MailDefaults(smtp=None, message_domain="bench.example")
        channels = purchase_order_channels(
            FakeMailer(), FakeDocuments(), defaults, edi=EdiChannel(uow_factory, transport)
        )
        sends = []
        started_all = time.perf_counter()
        for task, arguments in queue.tasks:
            if task != tasks.SEND_PURCHASE_ORDER:
                continue
            started = time.perf_counter()
            outcome = dispatch_purchase_order(
                uow_factory,
                channels,
                queue,
                installation_id=arguments["installation_id"],
                po_id=arguments["po_id"],
                revision=arguments["revision"],
                actor="bench",
                claim_token=f"bench-{arguments['po_id']}",
                final_attempt=True,
            )
            assert outcome is SendOutcome.SENT, outcome
            sends.append(time.perf_counter() - started)
        sent_seconds = time.perf_counter() - started_all
        delivered = len(server.files("inbound"))
        print(
            f"850 send over SFTP: {sent_seconds:.2f} s for {len(sends)} POs, {delivered} files "
            f"delivered ({_ms(sends)} per PO)"
        )

        # 3. 856s from the vendor, taken by the poller.
        for index, po in enumerate(pos):
            shipped = [
                docs.ShippedLine(str(n), line.vendor_sku, line.sku, line.quantity, 0)
                for n, line in enumerate(po.lines, start=1)
            ]
            tracking = f"{UPS_PREFIX}{index:08d}"
            order = docs.OrderShipment(po.number, "UPSN", [tracking], shipped)
            segments = docs.write_856(f"SH{index}", now, [order])
            text = write_interchange(VENDOR, Separators(), 100000 + index, now, [("856", segments)])
            server.put("outbound", f"ASN{index:05d}.856", text)
        polls, applied, started = 0, 0, time.perf_counter()
        while server.files("outbound"):
            report = poll_edi_vendor(
                uow_factory,
                queue,
                TrackingNumberCarriers(),
                transport,
                installation_id=shop,
                vendor_id=vendor.id,
            )
            assert not report.error, report.error
            polls += 1
            applied += report.applied
        polled = time.perf_counter() - started
        with uow_factory() as uow:
            shipments = sum(
                len(uow.shipments.list_for_order(shop, po.saleor_order_id)) for po in pos
            )
        answers = sum(1 for name in server.files("inbound") if name.startswith("997-"))
        print(
            f"856 in: {polled:.2f} s for {applied} files in {polls} polls "
            f"({polled / max(1, applied) * 1000:.2f} ms per file, {applied / polled:.0f} files/s); "
            f"{shipments} shipments recorded, {answers} 997 answers uploaded, "
            f"{len(server.files('archive'))} files archived"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pos", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=2)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    run(arguments.pos, arguments.lines)


if __name__ == "__main__":
    main()
