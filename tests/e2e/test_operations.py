"""Operating it: /metrics adds up the web process and the Celery worker after an order, and no
token, password or secret reaches a log line of a full order-to-fulfilment run."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import requests
from sqlalchemy import select

from app.adapters.db import tables
from tests.builders import make_order
from tests.e2e.conftest import wait_until
from tests.e2e.test_shipping_to_fulfilments import (
    test_tracking_from_the_widget_then_a_csv_import_completes_the_order as order_to_fulfilment,
)
from tests.servers.live_app import start_live_app

METRICS_TOKEN = "metrics-token-0123456789"


def _figures(live) -> dict[str, float]:
    page = requests.get(
        f"{live.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
    )
    assert page.status_code == 200, page.text
    return {
        name: float(value)
        for name, value in re.findall(r"^(\w+(?:\{[^}]*\})?) (\S+)$", page.text, re.MULTILINE)
    }


def test_metrics_after_an_order_add_up_the_web_process_and_the_worker(e2e, settings, engine):
    fake, live, app = e2e
    scraper = start_live_app(replace(settings, metrics_token=METRICS_TOKEN), engine=engine)
    before = _figures(scraper)
    order = make_order(number="5150")
    fake.add_order(order)

    fake.send_event(app, "ORDER_CREATED", order_id=order["id"])
    wait_until(lambda: _processed(engine), what="the delivery processed")
    after = _figures(scraper)
    scraper.stop()

    def grew(name: str) -> float:
        return after.get(name, 0.0) - before.get(name, 0.0)

    assert grew('dropship_webhook_deliveries_total{event="ORDER_CREATED",outcome="queued"}') == 1
    assert grew("dropship_webhook_ingest_seconds_count") == 1
    assert grew('dropship_task_runs_total{outcome="done",task="process_delivery_task"}') == 1
    assert grew('dropship_saleor_calls_total{operation="OrderDetails",result="ok"}') == 1
    assert grew('dropship_saleor_call_seconds_count{operation="OrderDetails"}') == 1
    assert (after["dropship_inbox_backlog"], after["dropship_inbox_oldest_age_seconds"]) == (0, 0)


def _processed(engine) -> bool:
    with engine.connect() as connection:
        statuses = connection.execute(select(tables.webhook_deliveries.c.status)).scalars().all()
    return bool(statuses) and all(status == "processed" for status in statuses)


def test_no_secret_reaches_a_log_line_of_an_order_to_fulfilment_run(
    e2e, engine, worker, caplog, settings
):
    fake, live, app = e2e
    worker_log_start = worker.log_path.stat().st_size
    caplog.set_level(logging.DEBUG)
    scraper = start_live_app(replace(settings, metrics_token=METRICS_TOKEN), engine=engine)
    before = _figures(scraper)

    order_to_fulfilment(e2e, engine)
    after = _figures(scraper)
    scraper.stop()

    worker_lines = worker.log_path.read_bytes()[worker_log_start:].decode().splitlines()
    web_lines = [caplog.handler.format(record) for record in caplog.records]
    lines = worker_lines + web_lines
    secrets = [app.token, *settings.secret_keys]
    assert len(worker_lines) >= 8 and web_lines
    assert [line for line in lines if any(secret in line for secret in secrets)] == []
    assert [line for line in lines if re.search(r"(?i)bearer\s+(?!\[redacted\])\S", line)] == []
    shop = fake.api_url.split("://", 1)[1].split("/", 1)[0]
    assert any(f"shop={shop}" in line and "order_id=" in line for line in worker_lines)
    writes = [name for name in after if name.startswith("dropship_fulfilment_writes_total")]
    assert sum(after[name] - before.get(name, 0.0) for name in writes) >= 1
