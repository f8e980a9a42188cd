"""Shipment import benchmark: a CSV of 1,000 shipments across 300 orders, imported and written
to the fake Saleor as fulfilments.

    .venv/bin/python bench/shipment_import.py [--orders 300] [--shipments 1000]

Set-up (not timed): the fake Saleor (tests/servers/fake_saleor) holds 300 paid orders; the app
has read them and created one PO per order. Timed: importing the CSV (parse, validate, record)
and the worker writing every shipment (orderFulfill), then the write-backs those writes queued.
Reported: Saleor calls by operation and per shipment, and the time of each phase. SQLite file.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from app.adapters.carriers import TrackingNumberCarriers  # noqa: E402
from app.adapters.crypto import TokenCipher  # noqa: E402
from app.adapters.db import tables  # noqa: E402
from app.adapters.db.engine import build_engine, upgrade_database  # noqa: E402
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from app.adapters.saleor.documents import load_documents, load_schema  # noqa: E402
from app.adapters.saleor.gateway import SaleorHttpGateway  # noqa: E402
from app.domain.installations import Installation, SaleorApiUrl  # noqa: E402
from app.services import tasks  # noqa: E402
from app.services.orders import refresh_order  # noqa: E402
from app.services.product_vendors import save_product_vendor  # noqa: E402
from app.services.purchase_orders import create_purchase_orders  # noqa: E402
from app.services.saleor_writes.fulfilments import write_fulfilment  # noqa: E402
from app.services.saleor_writes.write_back import write_back_order  # noqa: E402
from app.services.shipment_imports import import_shipments_csv  # noqa: E402
from app.services.shop_settings import save_settings  # noqa: E402
from app.services.vendors import save_vendor  # noqa: E402
from tests.builders import global_id, make_line, make_order  # noqa: E402
from tests.conftest import SCHEMA_PATH  # noqa: E402
from tests.fakes import RecordingTaskQueue  # noqa: E402
from tests.servers.fake_saleor import FakeSaleor  # noqa: E402
from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE  # noqa: E402


def _line(order_number: int, index: int) -> dict[str, object]:
    sku = f"SKU-{order_number}-{index}"
    variant = {
        "id": global_id("ProductVariant", sku),
        "sku": sku,
        "product": {"id": global_id("Product", sku), "name": f"Product {sku}"},
    }
    return make_line(sku=sku, quantity=1, allocations=[], variant=variant)


def _line_counts(orders: int, shipments: int) -> list[int]:
    base, extra = divmod(shipments, orders)
    return [base + (1 if n < extra else 0) for n in range(orders)]


def run(orders: int, shipments: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="dropship-bench-ship-"))
    engine = build_engine(f"sqlite:///{workdir}/bench.sqlite")
    upgrade_database(engine)
    cipher = TokenCipher("benchmark-secret-key-0123456789")

    def uow_factory() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(engine, cipher)

    with FakeSaleor() as fake:
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
            {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"], "notify_customer": "0"},
        )
        vendor = save_vendor(
            uow_factory,
            shop,
            {
                "name": "Acme",
                "code": "ACME",
                "currency": "USD",
                "emails_to": "po@acme.example",
            },
        )
        rows = ["order,sku,quantity,carrier,tracking_number"]
        queue = RecordingTaskQueue()
        for number, lines in enumerate(_line_counts(orders, shipments), start=10000):
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
                        "unit_cost": "3",
                    },
                )
                rows.append(f"{number},{line['productSku']},1,ups,1Z{number}{len(rows):08d}")
            refresh_order(uow_factory, saleor, installation, order["id"])
            create_purchase_orders(
                uow_factory,
                queue,
                shop,
                order["id"],
                actor="bench",
                send=False,
                go_ahead_reason="bench: orders not reviewed",
            )
        csv_text = "\n".join(rows) + "\n"
        with engine.begin() as connection:  # the set-up's notes are not part of the measurement
            connection.execute(update(tables.order_notes).values(sent_at=datetime.now(UTC)))
        fake.requests.clear()
        queue = RecordingTaskQueue()

        started = time.perf_counter()
        report = import_shipments_csv(
            uow_factory, queue, TrackingNumberCarriers(), shop, csv_text, actor="bench"
        )
        imported = time.perf_counter()
        writes = [kw for task, kw in queue.tasks if task == tasks.WRITE_FULFILMENT]
        for arguments in writes:
            write_fulfilment(uow_factory, saleor, queue, final_attempt=True, **arguments)
        written = time.perf_counter()
        write_backs = {
            (kw["installation_id"], kw["order_id"])
            for task, kw in queue.tasks
            if task == tasks.WRITE_BACK_ORDER
        }
        for installation_id, order_id in write_backs:
            write_back_order(
                uow_factory, saleor, queue, installation_id=installation_id, order_id=order_id
            )
        finished = time.perf_counter()
        calls = Counter(call.operation_name for call in fake.requests)
    print(f"{report.rows} CSV rows, {report.shipments} shipments across {orders} orders")
    print(f"import (parse, validate, record): {imported - started:.2f} s")
    print(
        f"writing fulfilments (worker, inline): {written - imported:.2f} s "
        f"({(written - imported) / max(1, len(writes)) * 1000:.1f} ms per shipment)"
    )
    elapsed = finished - written
    print(f"write-backs (notes, summary, state): {elapsed:.2f} s for {len(write_backs)} orders")
    print(f"total: {finished - started:.2f} s")
    print("Saleor calls:", dict(sorted(calls.items())))
    print(
        f"orderFulfill per shipment: {calls['OrderFulfill'] / max(1, report.shipments):.2f}; "
        f"reads: {sum(v for k, v in calls.items() if k in ('OrderFulfillments', 'OrderDetails'))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--shipments", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    run(args.orders, args.shipments)


if __name__ == "__main__":
    main()
