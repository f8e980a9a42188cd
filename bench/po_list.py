"""PO list and reports benchmark: the Purchase orders and Reports tabs' queries over 100,000 POs
of one shop.

    .venv/bin/python bench/po_list.py [--pos 100000] [--repeat 5] [--postgres-url URL]

Set-up (not timed): a PostgreSQL database of its own (dropped at the end), migrated; one shop
with 20 vendors and N POs over a year (2-3 lines each, statuses as a busy shop has them, a
tenth of the sent POs past their due date), plus a second shop with as many POs so every query
must keep to its tenant. Timed, each the median of --repeat runs through the app's own listing
adapter (the SQL the page runs): the first page, a deep page (a cursor near the end), filters
(status + vendor, created in one month, late, needs attention), search by PO number, order
number and SKU, and the CSV export of one vendor's POs for a month; then the Reports tab for a
year and for 90 days (every aggregate of the page, without and with drawing its charts), and
the order-margin CSV for a year.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from app.adapters.charts import SvgCharts  # noqa: E402
from app.adapters.crypto import TokenCipher  # noqa: E402
from app.adapters.db import tables  # noqa: E402
from app.adapters.db.engine import build_engine, upgrade_database  # noqa: E402
from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from app.domain.installations import Installation, InstallationId, SaleorApiUrl  # noqa: E402
from app.domain.po_list import Cursor, POListFilter, POListQuery, POListSort  # noqa: E402
from app.domain.purchase_orders import POStatus  # noqa: E402
from app.domain.reports import ReportQuery  # noqa: E402
from app.services.po_list import export_purchase_orders_csv, purchase_order_list  # noqa: E402
from app.services.reports import export_report_csv, reports_page  # noqa: E402

YEAR_START = datetime(2025, 12, 1, tzinfo=UTC)
STATUSES = [
    (POStatus.SHIPPED, 70),
    (POStatus.SENT, 12),
    (POStatus.ACKNOWLEDGED, 6),
    (POStatus.PARTIALLY_SHIPPED, 4),
    (POStatus.CANCELLED, 5),
    (POStatus.SEND_FAILED, 2),
    (POStatus.CREATED, 1),
]


def _installation(uow_factory, url: str) -> InstallationId:
    with uow_factory() as uow:
        installation = uow.installations.save(
            Installation(saleor_api_url=SaleorApiUrl(url), app_id="QXBwOjE=", token="t", jwks={})
        )
        uow.commit()
    assert installation.id is not None
    return installation.id


SEEDED_AT = "0018"  # the schema the seed's rows are written for


def _seed(engine, installation_id: InstallationId, count: int, rng: random.Random) -> list[int]:
    """``count`` POs over a year for 20 vendors; returns the vendor ids."""
    with engine.begin() as connection:
        vendor_ids = [
            connection.execute(
                insert(tables.vendors)
                .values(
                    installation_id=installation_id,
                    name=f"Vendor {n:02d}",
                    code=f"V{n:02d}",
                    currency="USD",
                    integration="email",
                    emails_to=["po@vendor.test"],
                    emails_cc=[],
                    file_format="pdf",
                    lead_time_days=5,
                    po_notes="",
                    active=True,
                )
                .returning(tables.vendors.c.id)
            ).scalar_one()
            for n in range(20)
        ]
    population = [status for status, _ in STATUSES]
    weights = [weight for _, weight in STATUSES]
    now = datetime.now(UTC)
    batch = 5_000
    for start in range(0, count, batch):
        pos, lines = [], []
        for n in range(start, min(start + batch, count)):
            created = YEAR_START + timedelta(seconds=int(n * 365 * 86400 / count))
            status = rng.choices(population, weights)[0]
            sent = created + timedelta(minutes=5) if status is not POStatus.CREATED else None
            due = sent + timedelta(days=5) if sent else None
            if status in (POStatus.SENT, POStatus.ACKNOWLEDGED) and rng.random() < 0.1:
                due = now - timedelta(days=rng.randint(1, 20))
            vendor = rng.choice(vendor_ids)
            pos.append(
                {
                    "installation_id": installation_id,
                    "saleor_order_id": f"T3JkZXI6{installation_id}-{n}",
                    "order_number": str(10_000 + n),
                    "vendor_id": vendor,
                    "vendor_name": f"Vendor {vendor_ids.index(vendor):02d}",
                    "number": f"{10_000 + n}-1",
                    "sequence": 1,
                    "status": status.value,
                    "currency": "USD",
                    "ship_to": {},
                    "customer_email": "c@x.test",
                    "created_at": created,
                    "sent_at": sent,
                    "sent_via": "email" if sent else None,
                    "failure_reason": "mailbox full" if status is POStatus.SEND_FAILED else None,
                    "revision": 1 if sent else 0,
                    "due_at": due,
                }
            )
        with engine.begin() as connection:
            ids = list(
                connection.execute(
                    insert(tables.purchase_orders).returning(tables.purchase_orders.c.id), pos
                ).scalars()
            )
            for po_id, po in zip(ids, pos, strict=True):
                po["id"] = po_id
            for po_id, po in zip(ids, pos, strict=True):
                for line in range(rng.randint(2, 3)):
                    lines.append(
                        {
                            "installation_id": installation_id,
                            "purchase_order_id": po_id,
                            "order_line_id": f"{po['saleor_order_id']}-{line}",
                            "sku": f"SKU-{rng.randint(1, 5000)}",
                            "vendor_sku": f"VS-{rng.randint(1, 5000)}",
                            "product_name": "Product",
                            "variant_name": "",
                            "quantity": rng.randint(1, 4),
                            "unit_cost": Decimal("9.99"),
                            "is_open": po["status"] != "cancelled",
                        }
                    )
            connection.execute(insert(tables.po_lines), lines)
            _history(connection, installation_id, pos, lines, rng)
    return vendor_ids


def _history(connection, installation_id, pos, lines, rng: random.Random) -> None:
    """What a year of work leaves: sent / acknowledged / shipped events, and a shipment with
    its lines for every PO that shipped (a few short by one)."""
    events, shipments = [], []
    acknowledged = {"acknowledged", "partially_shipped", "shipped"}
    for po in pos:
        if po["sent_at"] is None:
            continue
        sent = po["sent_at"]
        base = {"installation_id": installation_id, "purchase_order_id": po["id"], "detail": ""}
        events.append({**base, "at": sent, "actor": "s", "action": "sent"})
        if po["status"] in acknowledged:
            at = sent + timedelta(hours=rng.randint(1, 48))
            events.append({**base, "at": at, "actor": "v", "action": "acknowledged"})
        if po["status"] in ("partially_shipped", "shipped"):
            at = sent + timedelta(days=rng.randint(1, 9))
            action = "shipped" if po["status"] == "shipped" else "partially shipped"
            events.append({**base, "at": at, "actor": "v", "action": action})
            shipments.append((po, at))
    connection.execute(insert(tables.po_events), events)
    if not shipments:
        return
    shipment_ids = connection.execute(
        insert(tables.shipments).returning(tables.shipments.c.id),
        [
            {
                "installation_id": installation_id,
                "purchase_order_id": po["id"],
                "saleor_order_id": po["saleor_order_id"],
                "tracking_numbers": ["1Z"],
                "split_by_package": False,
                "source": "widget",
                "created_by": "s",
                "created_at": at,
                "status": "written",
                "write_attempts": 1,
                "fulfillment_ids": [],
            }
            for po, at in shipments
        ],
    ).scalars()
    by_po: dict[int, list[dict]] = {}
    for line in lines:
        by_po.setdefault(line["purchase_order_id"], []).append(line)
    shipped = []
    for (po, _), shipment_id in zip(shipments, shipment_ids, strict=True):
        for line in by_po.get(po["id"], []):
            short = po["status"] == "partially_shipped" and rng.random() < 0.5
            shipped.append(
                {
                    "installation_id": installation_id,
                    "shipment_id": shipment_id,
                    "order_line_id": line["order_line_id"],
                    "quantity": max(line["quantity"] - 1, 0) if short else line["quantity"],
                    "package": 1,
                }
            )
    connection.execute(insert(tables.shipment_lines), shipped)


def _median_ms(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class _NoCharts:
    def bars(self, *args: object, **kwargs: object) -> str:
        return ""

    def lines(self, *args: object, **kwargs: object) -> str:
        return ""


def _bench_reports(uow_factory, shop: InstallationId, repeat: int) -> None:
    year = ReportQuery(date(2025, 12, 1), date(2026, 11, 30))
    quarter = ReportQuery(date(2026, 9, 1), date(2026, 11, 29))
    print("| report | median ms |")
    print("|---|---|")
    for label, query in (("a year", year), ("90 days", quarter)):
        ms = _median_ms(lambda q=query: reports_page(uow_factory, _NoCharts(), shop, q), repeat)
        print(f"| Reports tab, {label}, aggregates only | {ms:.0f} |")
        ms = _median_ms(lambda q=query: reports_page(uow_factory, SvgCharts(), shop, q), repeat)
        print(f"| Reports tab, {label}, with its 3 charts | {ms:.0f} |")
    ms = _median_ms(lambda: export_report_csv(uow_factory, shop, year, "orders"), repeat)
    print(f"| order margins CSV, a year | {ms:.0f} |")
    now = datetime.now(UTC)
    parts = {  # the page's two statements
        "vendor table, weeks and on-time months (one statement, ADR 19)": (
            lambda uow: uow.reports.figures(shop, year, now)
        ),
        "order margins (page)": lambda uow: list(uow.reports.order_margins(shop, year, 201)),
    }
    for label, part in parts.items():

        def run(part=part) -> None:
            with uow_factory() as uow:
                part(uow)

        print(f"| a year: {label} | {_median_ms(run, repeat):.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="seed database NAME once and keep it: later runs with the same NAME reuse it",
    )
    options = parser.parse_args()

    name = options.keep or f"dropship_bench_{uuid.uuid4().hex[:8]}"
    admin_url = options.postgres_url.replace("postgresql://", "postgresql+psycopg://")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = build_engine(options.postgres_url.rsplit("/", 1)[0] + f"/{name}")
    try:
        # The seed writes the tables as they were at SEEDED_AT; later migrations then fill in
        # what they add (0020: each PO's report figures), as they would on a shop's database.
        upgrade_database(engine, SEEDED_AT if not exists else "head")
        uow_factory = lambda: SqlAlchemyUnitOfWork(engine, TokenCipher("bench-secret-key-0123"))  # noqa: E731
        rng = random.Random(7)
        started = time.perf_counter()
        if exists:
            shop, vendors = _seeded(engine)
        else:
            shop = _installation(uow_factory, "https://shop.example.com/graphql/")
            other = _installation(uow_factory, "https://other.example.com/graphql/")
            vendors = _seed(engine, shop, options.pos, rng)
            _seed(engine, other, options.pos, rng)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        upgrade_database(engine)
        print(f"migrations after the seed: {time.perf_counter() - started:.0f} s")
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        last_id = options.pos - 50  # a cursor near the end of the newest-first list
        deep = Cursor((YEAR_START + timedelta(minutes=1)).isoformat(), last_id)
        month = POListFilter(created_from=date(2026, 6, 1), created_to=date(2026, 6, 30))
        cases = {
            "first page (newest)": POListQuery(),
            "deep page (cursor near the end)": POListQuery(after=deep),
            "status sent + one vendor": POListQuery(
                POListFilter(statuses=frozenset({POStatus.SENT}), vendor_id=vendors[3])
            ),
            "created in one month": POListQuery(month),
            "late only": POListQuery(POListFilter(late_only=True)),
            "needs attention": POListQuery(POListFilter(needs_attention=True)),
            "search PO number": POListQuery(POListFilter(search=f"{10_000 + 4321}-1")),
            "search order number": POListQuery(POListFilter(search=str(10_000 + 98765))),
            "search SKU": POListQuery(POListFilter(search="SKU-1234")),
            "sorted by vendor, page 1": POListQuery(sort=POListSort.VENDOR),
        }
        print(f"seeded {options.pos:,} POs per shop x 2 shops in {seeded:.0f} s")
        print("| query | rows | median ms |")
        print("|---|---|---|")
        for label, query in cases.items():
            rows = len(purchase_order_list(uow_factory, shop, query).page.rows)
            ms = _median_ms(
                lambda q=query: purchase_order_list(uow_factory, shop, q), options.repeat
            )
            print(f"| {label} | {rows} | {ms:.1f} |")
        export_query = POListQuery(
            POListFilter(
                vendor_id=vendors[3], created_from=date(2026, 6, 1), created_to=date(2026, 6, 30)
            )
        )
        export = export_purchase_orders_csv(uow_factory, shop, export_query)
        ms = _median_ms(
            lambda: export_purchase_orders_csv(uow_factory, shop, export_query), options.repeat
        )
        print(f"| CSV export, one vendor, one month | {export.count(chr(10)) - 1} | {ms:.1f} |")
        everything = POListQuery()
        started = time.perf_counter()
        full = export_purchase_orders_csv(uow_factory, shop, everything)
        print(
            f"| CSV export, every PO | {full.count(chr(10)) - 1} |"
            f" {(time.perf_counter() - started) * 1000:.0f} |"
        )
        _bench_reports(uow_factory, shop, options.repeat)
    finally:
        engine.dispose()
        if not options.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _seeded(engine) -> tuple[InstallationId, list[int]]:
    """The first shop of a kept database and its vendors' ids, in seeding order."""
    installations, vendors = tables.installations, tables.vendors
    with engine.connect() as connection:
        shop = connection.execute(
            select(installations.c.id).order_by(installations.c.id).limit(1)
        ).scalar_one()
        ids = connection.execute(
            select(vendors.c.id).where(vendors.c.installation_id == shop).order_by(vendors.c.id)
        ).scalars()
        return InstallationId(shop), list(ids)


if __name__ == "__main__":
    main()
