"""Fault-injection soak: N orders from the fake Saleor through the real app, its Celery workers,
PostgreSQL, Redis and an SMTP server, while faults are injected; then an invariant check.

    .venv/bin/python bench/soak.py [--orders 10000] [--workers 3] [--fault-interval 2]

Each order: ORDER_CREATED (sometimes overtaken by ORDER_CONFIRMED, re-sent with the same bytes,
sent again as a new delivery, followed by ORDER_FULLY_PAID) -> the worker plans it -> the merchant
posts "Create PO(s) & Send" in the order widget (over HTTP, with a signed dashboard context from a
fake-Saleor dashboard token) -> one PO per vendor, emailed as CSV -> the merchant enters a
tracking number per PO in the widget -> Saleor fulfilments -> notes, PO summary and "Complete"
written back. Faults, one at a time (see bench/soak_drive.py Chaos): Saleor 500s, Saleor timeouts
before and after applying a mutation, SMTP 451s, connections dropped mid-DATA (before and after
the server kept the message), a worker killed with SIGKILL and restarted, the broker's proxy off
and on, the database's proxy off and on (workers and web), pg_terminate_backend on every app
connection. Needs PostgreSQL (TEST_POSTGRES_URL or 127.0.0.1:5432) and Redis (SOAK_REDIS_URL,
default db 8). Exit status 1 when the check finds a violation.

Vendors take POs as CSV attachments, not PDF: WeasyPrint's 0.2-0.5 s per PO on two cores would be
the whole run; the PDF path is covered by tests/e2e and bench/pdf_render.py.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="soak-metrics-"))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.soak_check import Verdict, check  # noqa: E402
from bench.soak_drive import (  # noqa: E402
    PRODUCTS,
    Chaos,
    Figures,
    Merchant,
    MerchantLoop,
    Saleor,
    completed_orders,
    soak_order,
)
from bench.soak_stack import Stack, StackConfig  # noqa: E402

IN_PROGRESS = 150  # orders fed ahead of the merchant, as a steady stream rather than one burst


@dataclass
class SoakResult:
    orders: int
    verdict: Verdict
    figures: Figures
    seconds: float
    drained: bool
    notes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[str]:
        return self.verdict.violations


def _arrange_catalogue(stack: Stack, api_url: str) -> None:
    """Two email vendors taking CSV, four products (two each), the drop-ship warehouse."""
    from app.bootstrap import build_container
    from app.services.product_vendors import save_product_vendor
    from app.services.shop_settings import save_settings
    from app.services.vendors import save_vendor
    from app.settings import load_settings
    from tests.servers.fake_saleor.catalog import DEFAULT_WAREHOUSE

    settings = load_settings({**stack.env, "DATABASE_URL": stack.database_url})
    container = build_container(settings)
    uow_factory = container.uow_factory
    with uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(api_url).id
    save_settings(uow_factory, shop, {"dropship_warehouse_id": DEFAULT_WAREHOUSE["id"]})
    for code, products in (("ACME", PRODUCTS[:2]), ("BETA", PRODUCTS[2:])):
        vendor = save_vendor(
            uow_factory,
            shop,
            {
                "name": f"{code.title()} Supply",
                "code": code,
                "currency": "USD",
                "emails_to": f"po@{code.lower()}.example",
                "file_format": "csv",
            },
        )
        for _, product_id in products:
            save_product_vendor(
                uow_factory,
                shop,
                {"vendor_id": str(vendor.id), "product_id": product_id, "unit_cost": "7"},
            )
    container.engine.dispose()


def run_soak(
    orders: int,
    *,
    workers: int = 3,
    fault_interval: float = 2.0,
    recovery_window: float = 60.0,
    seed: int = 1,
    drain_timeout: float = 600.0,
    postgres_url: str | None = None,
    redis_url: str | None = None,
    schema_path: Path | None = None,
    workdir: Path | None = None,
    progress: bool = False,
) -> SoakResult:
    """Run the soak end to end and check the invariants (servers stopped afterwards)."""
    rng = random.Random(seed)
    postgres_url = postgres_url or os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = redis_url or os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/8")
    workdir = workdir or Path(tempfile.mkdtemp(prefix="soak-"))
    config = StackConfig(postgres_url, redis_url, workdir, workers, recovery_window)
    stack = Stack(config)
    try:
        stack.start(schema_path)
        return _drive(stack, orders, rng, fault_interval, drain_timeout, progress)
    finally:
        stack.stop()


def _drive(
    stack: Stack,
    count: int,
    rng: random.Random,
    fault_interval: float,
    drain_timeout: float,
    progress: bool,
) -> SoakResult:
    assert stack.fake is not None and stack.smtp is not None
    figures = Figures()
    saleor = Saleor(stack, figures, rng)
    _arrange_catalogue(stack, stack.fake.api_url)
    engine = create_engine(
        stack.database_url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool
    )
    orders = [soak_order(100_000 + n, rng) for n in range(count)]
    rolls = [(rng.random(), rng.random()) for _ in orders]
    merchant = Merchant(stack, saleor, figures)
    chaos = Chaos(stack, figures, rng, fault_interval)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as senders, ThreadPoolExecutor(6) as clicks:
        loop = MerchantLoop(engine, merchant, clicks)
        chaos.start()
        fed, done, last_report = 0, 0, 0.0
        while fed < count:
            while fed < count and fed - done < IN_PROGRESS:
                senders.submit(saleor.send_order, orders[fed], *rolls[fed])
                fed += 1
            done = _step(loop, engine, done)
            _trim(stack)
            if progress and time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                _progress(started, fed, done, figures)
        deadline = time.monotonic() + drain_timeout
        while done < count and time.monotonic() < deadline:
            done = _step(loop, engine, done)
            if done >= count * 0.9 and not chaos.stopping.is_set():
                # the last orders finish in calm: with few left, every one-shot fault would hit
                # the same PO and exhaust its (compressed) retries, which a real day never does
                chaos.stop()
            if progress and time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                _progress(started, fed, done, figures)
        if not chaos.stopping.is_set():
            chaos.stop()
    drained = _settle(engine, stack, deadline)
    seconds = time.monotonic() - started
    verdict = check(engine, stack.fake, stack.smtp, orders)
    engine.dispose()
    return SoakResult(count, verdict, figures, seconds, drained and done == count)


def _step(loop: MerchantLoop, engine: Any, done: int) -> int:
    from sqlalchemy.exc import OperationalError

    try:
        loop.step()
        done = completed_orders(engine)
    except OperationalError:
        pass  # the chaos thread terminated our connection too: look again
    time.sleep(0.5)
    return done


def _settle(engine: Any, stack: Stack, deadline: float) -> bool:
    """Wait until nothing is waiting or in flight (writes, notes, deliveries), or the deadline."""
    from sqlalchemy import text

    busy = text(
        "SELECT (SELECT count(*) FROM outbound_attempts WHERE status <> 'sent')"
        " + (SELECT count(*) FROM order_notes WHERE sent_at IS NULL)"
        " + (SELECT count(*) FROM webhook_deliveries WHERE status = 'received')"
    )
    while time.monotonic() < deadline:
        assert stack.fake is not None
        stack.fake.wait_for_events(timeout=30)
        with engine.connect() as connection:
            if connection.execute(busy).scalar_one() == 0:
                time.sleep(2.0)  # a last write-back queued by the final ones
                with engine.connect() as again:
                    if again.execute(busy).scalar_one() == 0:
                        return True
        time.sleep(1.0)
    return False


def _trim(stack: Stack) -> None:
    """The fake Saleor keeps every request and delivery for tests; the soak reads neither."""
    assert stack.fake is not None
    if len(stack.fake.requests) > 2000:
        del stack.fake.requests[:1000]
    if len(stack.fake.deliveries) > 2000:
        del stack.fake.deliveries[:1000]


def _progress(started: float, fed: int, done: int, figures: Figures) -> None:
    faults = sum(figures.faults.values())
    elapsed = time.monotonic() - started
    print(f"{elapsed:7.0f} s  fed {fed}  complete {done}  faults {faults}", flush=True)


def report(result: SoakResult) -> str:
    """The figures as printed and as pasted into docs/benchmarks.md."""
    lines = [
        f"orders: {result.orders}, time: {result.seconds:.0f} s "
        f"({result.orders / result.seconds:.1f} orders/s), drained: {result.drained}",
        "faults injected: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.figures.faults.items())),
        "deliveries sent by Saleor: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.figures.deliveries.items())),
        "merchant requests: "
        + ", ".join(f"{k} {v}" for k, v in sorted(result.figures.merchant.items())),
        "outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(result.verdict.figures.items())),
        f"violations: {len(result.violations)}",
        *(f"  {v}" for v in result.violations[:30]),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--fault-interval", type=float, default=2.0)
    parser.add_argument("--recovery-window", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    arguments = parser.parse_args()
    schema = os.environ.get("SALEOR_SCHEMA_PATH")
    result = run_soak(
        arguments.orders,
        workers=arguments.workers,
        fault_interval=arguments.fault_interval,
        recovery_window=arguments.recovery_window,
        seed=arguments.seed,
        drain_timeout=arguments.drain_timeout,
        schema_path=Path(schema) if schema else None,
        progress=True,
    )
    print(report(result))
    sys.exit(1 if result.violations or not result.drained else 0)


if __name__ == "__main__":
    main()
