"""Order to POs benchmark: from a signed ORDER_CREATED to every vendor's PO email received.

    .venv/bin/python bench/order_to_po.py [--repeat 3]

Runs in one process with real loopback servers: the fake Saleor (tests/servers/fake_saleor)
installs the app served over HTTP, signs ORDER_CREATED; the worker's work (plan, create POs,
render and send each PO) runs inline so its time and memory can be measured; emails go to a
local SMTP server (aiosmtpd). Storage is a SQLite file. For orders of 1, 10 and 100 lines over
1, 3 and 5 vendors it reports: wall time from webhook to the last email, worker time to plan
and create the POs, PDF rendering time per PO, Saleor calls before sending, and the peak memory
the worker's Python code allocated while planning and creating the POs (tracemalloc), and the
process's peak resident memory (which includes the fake Saleor and SMTP servers).
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.adapters.db.engine import build_engine, upgrade_database  # noqa: E402
from app.bootstrap import purchase_order_channels  # noqa: E402
from app.services import dispatch, tasks  # noqa: E402
from app.services.deliveries import process_delivery  # noqa: E402
from app.services.product_vendors import save_product_vendor  # noqa: E402
from app.services.purchase_orders import create_purchase_orders  # noqa: E402
from app.services.vendors import save_vendor  # noqa: E402
from tests.builders import make_line, make_order  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.servers.fake_saleor import FakeSaleor  # noqa: E402
from tests.servers.live_app import start_live_app  # noqa: E402
from tests.servers.smtp import SmtpServer  # noqa: E402

CASES = ((1, 1), (10, 3), (100, 5))


class BenchQueue:
    """Collects tasks; the benchmark runs them as the worker would, timing each phase."""

    def __init__(self) -> None:
        self.deliveries: list[int] = []
        self.tasks: list[tuple[str, dict[str, Any]]] = []

    def enqueue_delivery(self, delivery_id: int) -> None:
        self.deliveries.append(delivery_id)

    def enqueue(self, task: str, **arguments: Any) -> None:
        self.tasks.append((task, arguments))


def _run_case(lines: int, vendors: int, workdir: Path) -> dict[str, float]:
    database = f"sqlite:///{workdir}/bench-{lines}-{vendors}-{time.monotonic_ns()}.sqlite"
    engine = build_engine(database)
    upgrade_database(engine)
    queue = BenchQueue()
    with FakeSaleor() as saleor, SmtpServer() as smtp:
        settings = make_settings(
            workdir,
            database_url=database,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            smtp_sender="orders@shop.example",
        )
        live = start_live_app(settings, engine=engine, task_queue=queue)
        try:
            app = saleor.install_app(live.manifest_url)
            parts = live.container
            with parts.uow_factory() as uow:
                installation = uow.installations.get_active_by_api_url(saleor.api_url)
            shop = installation.id
            vendor_ids = [
                save_vendor(
                    parts.uow_factory,
                    shop,
                    {
                        "name": f"Vendor {n}",
                        "code": f"V{n}",
                        "currency": "USD",
                        "emails_to": f"po@vendor{n}.example",
                    },
                ).id
                for n in range(vendors)
            ]
            order = make_order(
                number="5000",
                lines=[make_line(sku=f"SKU-{n:04}", quantity=1 + n % 3) for n in range(lines)],
            )
            for n, line in enumerate(order["lines"]):
                save_product_vendor(
                    parts.uow_factory,
                    shop,
                    {
                        "vendor_id": str(vendor_ids[n % vendors]),
                        "product_id": line["variant"]["product"]["id"],
                        "unit_cost": "4.25",
                    },
                )
            saleor.add_order(order)
            calls_before = len(saleor.requests)

            started = time.perf_counter()
            saleor.send_event(app, "ORDER_CREATED", order_id=order["id"])
            tracemalloc.start()
            worker_started = time.perf_counter()
            process_delivery(parts.uow_factory, parts.saleor, queue.deliveries[-1])
            created = create_purchase_orders(
                parts.uow_factory,
                queue,
                shop,
                order["id"],
                actor="automation",
                send=True,
                go_ahead_reason="bench: orders not reviewed",  # the gate to vendors, confirmed
            )
            worker_plan_and_create = time.perf_counter() - worker_started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            saleor_calls = len(saleor.requests) - calls_before
            pdf_times = []
            for task, arguments in list(queue.tasks):
                if task != tasks.SEND_PURCHASE_ORDER:
                    continue
                timed = _TimedDocuments(parts.documents, pdf_times)
                dispatch.dispatch_purchase_order(
                    parts.uow_factory,
                    purchase_order_channels(parts.mailer, timed, parts.mail_defaults),
                    queue,
                    claim_token="bench",
                    final_attempt=True,
                    **arguments,
                )
            while len(smtp.messages) < len(created):
                time.sleep(0.005)
            total = time.perf_counter() - started
        finally:
            live.stop()
    engine.dispose()
    return {
        "webhook_to_last_email_s": total,
        "worker_plan_and_create_s": worker_plan_and_create,
        "pdf_s_per_po": statistics.median(pdf_times),
        "pos": len(created),
        "saleor_calls_before_sending": saleor_calls,
        "worker_peak_mib": peak / 2**20,
        "process_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


class _TimedDocuments:
    def __init__(self, inner: Any, times: list[float]) -> None:
        self._inner = inner
        self._times = times

    def purchase_order_pdf(self, po: Any, context: Any) -> bytes:
        started = time.perf_counter()
        data = self._inner.purchase_order_pdf(po, context)
        self._times.append(time.perf_counter() - started)
        return bytes(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="dropship-bench-po-"))
    print(
        "| lines | vendors | POs | webhook → last email s | worker plan+create s | PDF s/PO "
        "| Saleor calls before send | plan+create peak MiB | process RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for lines, vendors in CASES:
        runs = [_run_case(lines, vendors, workdir) for _ in range(args.repeat)]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"| {lines} | {vendors} | {median['pos']:.0f} "
            f"| {median['webhook_to_last_email_s']:.2f} "
            f"| {median['worker_plan_and_create_s']:.3f} | {median['pdf_s_per_po']:.3f} "
            f"| {median['saleor_calls_before_sending']:.0f} | {median['worker_peak_mib']:.1f} "
            f"| {median['process_rss_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
