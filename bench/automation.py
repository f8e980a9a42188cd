"""Automatic order processing under load: N paid orders from the fake Saleor through the app
under gunicorn, real Celery workers and beat, PostgreSQL and Redis, with no merchant at all.

    .venv/bin/python bench/automation.py [--orders 1000] [--workers 3]

The shop is on tier 3 (automation included). Each order's events come as Saleor sends them (some
overtaken by ORDER_CONFIRMED, some re-sent with the same bytes or as a new delivery, some
followed by ORDER_FULLY_PAID: bench/soak_drive.py ``Saleor``); the worker reviews it, approves
it (low risk), creates one PO per vendor and emails it (CSV) to the SMTP server. Measured: orders
per minute, p50/p95 from the ORDER_CREATED webhook to the order's last PO email, and Saleor
GraphQL calls per order (by operation). Checked: exactly one PO per vendor per order and one email
per PO. The stack is the soak's (bench/soak_stack.py), without its fault injection.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="automation-metrics-"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.soak import _arrange_catalogue  # noqa: E402
from bench.soak_drive import Figures, Saleor, soak_order  # noqa: E402
from bench.soak_stack import Stack, StackConfig  # noqa: E402

PO_NUMBER = re.compile(r"\b(\d{6})-(\d+)\b")
IN_FLIGHT = 150  # orders sent ahead of the emails, a steady stream rather than one burst


def _tier_3(stack: Stack, api_url: str) -> None:
    from app.bootstrap import build_container
    from app.domain.risk.scoring import RiskSettings
    from app.services.billing import set_tier
    from app.services.risk_reviews import save_risk_settings
    from app.settings import load_settings

    container = build_container(load_settings({**stack.env, "DATABASE_URL": stack.database_url}))
    set_tier(container.uow_factory, api_url.split("://", 1)[1].split("/", 1)[0], "3")
    # Every order comes from the same test customer and address: the review's velocity signals
    # would send most to "review" (held for the merchant). The bench measures the automatic
    # path, so the thresholds are at their maximum; the holds are tested in tests/.
    with container.uow_factory() as uow:
        shop = uow.installations.get_active_by_api_url(api_url).id
    values = {**RiskSettings().values(), "review_threshold": 99, "high_threshold": 100}
    save_risk_settings(
        container.uow_factory,
        shop,
        {k: str(v) for k, v in values.items() if k != "extra_forwarders"},
    )
    container.engine.dispose()


class Mailbox:
    """When each order's PO emails arrived (polled every 50 ms from the SMTP server)."""

    def __init__(self, stack: Stack) -> None:
        assert stack.smtp is not None
        self.smtp = stack.smtp
        self.seen = 0
        self.arrived: dict[str, float] = {}  # order number -> last PO email's arrival
        self.per_po: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._read()

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            self._read()

    def _read(self) -> None:
        messages = self.smtp.messages[self.seen :]
        self.seen += len(messages)
        now = time.monotonic()
        with self.lock:
            for message in messages:
                match = PO_NUMBER.search(str(message.message["Subject"]))
                if match:
                    self.per_po[match.group(0)] += 1
                    self.arrived[match.group(1)] = now

    def emailed(self) -> Counter[str]:
        """PO emails per order number so far."""
        with self.lock:
            return Counter(po.split("-")[0] for po in self.per_po)


def _expected_pos(order: dict[str, Any]) -> int:
    """The catalogue has two vendors: SOAK-0/1 from ACME, SOAK-2/3 from BETA."""
    vendors = {
        "ACME" if line["productSku"] in ("SOAK-0", "SOAK-1") else "BETA" for line in order["lines"]
    }
    return len(vendors)


def run(count: int, workers: int, seed: int, timeout: float) -> dict[str, Any]:
    rng = random.Random(seed)
    postgres_url = os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    config = StackConfig(
        postgres_url, redis_url, Path(tempfile.mkdtemp(prefix="automation-")), workers
    )
    stack = Stack(config)
    try:
        stack.start(None)
        return _drive(stack, count, rng, timeout)
    finally:
        stack.stop()


def _drive(stack: Stack, count: int, rng: random.Random, timeout: float) -> dict[str, Any]:
    assert stack.fake is not None
    figures = Figures()
    saleor = Saleor(stack, figures, rng)
    _arrange_catalogue(stack, stack.fake.api_url)
    _tier_3(stack, stack.fake.api_url)
    engine = create_engine(
        stack.database_url.replace("postgresql://", "postgresql+psycopg://"), poolclass=NullPool
    )
    orders = [soak_order(100_000 + n, rng) for n in range(count)]
    expected = {order["number"]: _expected_pos(order) for order in orders}
    rolls = [(rng.random(), rng.random()) for _ in orders]
    sent_at: dict[str, float] = {}
    mailbox = Mailbox(stack)
    mailbox.start()
    calls_before = len(stack.fake.requests)

    def send(index: int) -> None:
        order = orders[index]
        sent_at[order["number"]] = time.monotonic()
        saleor.send_order(order, *rolls[index])

    def done() -> int:
        emailed = mailbox.emailed()
        return sum(1 for number, n in expected.items() if emailed[number] >= n)

    started = time.monotonic()
    with ThreadPoolExecutor(8) as senders:
        fed = 0
        while fed < count:
            while fed < count and fed - done() < IN_FLIGHT:
                senders.submit(send, fed)
                fed += 1
            time.sleep(0.2)
    deadline = time.monotonic() + timeout
    while done() < count and time.monotonic() < deadline:
        time.sleep(0.2)
    finished = time.monotonic()
    time.sleep(5.0)  # anything sent twice would arrive now
    mailbox.stop()
    calls = Counter(call.operation_name or "?" for call in stack.fake.requests[calls_before:])
    with engine.connect() as connection:
        pos = connection.execute(text("SELECT count(*) FROM purchase_orders")).scalar_one()
        per_vendor = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT saleor_order_id, vendor_id FROM purchase_orders "
                "GROUP BY 1, 2 HAVING count(*) > 1) twice"
            )
        ).scalar_one()
        reviews = connection.execute(
            text("SELECT count(*) FROM risk_reviews WHERE decided_by = 'automatic'")
        ).scalar_one()
        held = connection.execute(
            text("SELECT count(*) FROM automation_orders WHERE step = 'hold'")
        ).scalar_one()
    engine.dispose()
    latencies = sorted(
        mailbox.arrived[number] - sent_at[number]
        for number in expected
        if number in mailbox.arrived
    )
    completed = done()
    seconds = finished - started
    return {
        "orders": count,
        "completed": completed,
        "seconds": seconds,
        "orders_per_minute": completed / seconds * 60,
        "p50": statistics.median(latencies) if latencies else None,
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else None,
        "saleor_calls": sum(calls.values()),
        "saleor_calls_per_order": sum(calls.values()) / count,
        "calls_by_operation": dict(calls.most_common()),
        "pos": pos,
        "pos_expected": sum(expected.values()),
        "duplicate_pos": per_vendor,
        "emails_sent_twice": sum(1 for n in mailbox.per_po.values() if n > 1),
        "approved_automatically": reviews,
        "held": held,
        "deliveries": dict(figures.deliveries),
    }


def report(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"orders: {result['orders']}, emailed: {result['completed']} in "
            f"{result['seconds']:.0f} s: {result['orders_per_minute']:.0f} orders/minute",
            f"webhook -> last PO email: p50 {result['p50']:.2f} s, p95 {result['p95']:.2f} s",
            f"Saleor GraphQL calls: {result['saleor_calls']} "
            f"({result['saleor_calls_per_order']:.2f} per order): {result['calls_by_operation']}",
            f"POs: {result['pos']} (expected {result['pos_expected']}), duplicate POs "
            f"{result['duplicate_pos']}, emails sent twice {result['emails_sent_twice']}, "
            f"approved automatically {result['approved_automatically']}, held {result['held']}",
            f"deliveries: {result['deliveries']}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=900.0)
    arguments = parser.parse_args()
    result = run(arguments.orders, arguments.workers, arguments.seed, arguments.timeout)
    print(report(result))
    bad = result["duplicate_pos"] or result["emails_sent_twice"]
    sys.exit(1 if bad or result["completed"] < result["orders"] else 0)


if __name__ == "__main__":
    main()
