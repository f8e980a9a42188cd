"""End-to-end fixtures: a real Celery worker, its broker and a real SMTP server, per database."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select

from app.adapters.db import tables
from app.services.inbox_relay import InboxRelay
from tests.conftest import REDIS_URL, make_settings
from tests.servers.live_app import start_live_app
from tests.servers.smtp import SmtpServer
from tests.servers.tcp_proxy import TcpProxy
from tests.servers.worker import Worker


@pytest.fixture(scope="session")
def mail_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def broker_proxy(database_url):
    """PostgreSQL runs reach Redis through a proxy a test can switch off (a broker outage)."""
    if not (database_url.startswith("postgresql") and REDIS_URL):
        yield None
        return
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    address = urlsplit(REDIS_URL)
    proxy = TcpProxy(address.hostname or "127.0.0.1", address.port or 6379)
    proxy.start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def broker_url(database_url, broker_proxy, tmp_path_factory):
    """PostgreSQL runs pair with Redis (production's pair); SQLite runs with the file broker."""
    if broker_proxy is not None:
        return urlunsplit(urlsplit(REDIS_URL)._replace(netloc=f"127.0.0.1:{broker_proxy.port}"))
    return f"sqla+sqlite:///{tmp_path_factory.mktemp('broker')}/broker.sqlite"


@pytest.fixture(scope="session")
def worker(database_url, broker_url, mail_server, tmp_path_factory):
    directory = tmp_path_factory.mktemp("worker")
    settings = make_settings(
        directory,
        database_url=database_url,
        celery_broker_url=broker_url,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_security="none",
        smtp_sender="orders@shop.example",
        allow_private_sftp_hosts=True,  # EDI vendors' SFTP servers on loopback
        allow_private_http_hosts=True,  # HTTP vendors' systems on loopback
    )
    worker = Worker(settings, directory / "worker.log")
    worker.wait_ready()
    yield worker
    worker.stop()


@pytest.fixture
def e2e_app(settings, engine, broker_url):
    """(the app over HTTP, its inbox relay handing deliveries to the worker's broker).

    The relay is the one each production worker runs (ADR 8), here for this test only: the
    session's worker runs none, so it never takes deliveries other tests record."""
    live = start_live_app(replace(settings, celery_broker_url=broker_url), engine=engine)
    relay = InboxRelay(live.container.uow_factory, live.container.task_queue)
    relay.start()
    yield live, relay
    relay.stop()
    live.stop()


@pytest.fixture
def e2e(fake_saleor, e2e_app, worker, mail_server):
    """(fake Saleor, the app over HTTP queuing to the worker's broker, the installed app)."""
    mail_server.messages.clear()
    live, _ = e2e_app
    app = fake_saleor.install_app(live.manifest_url)
    yield fake_saleor, live, app
    worker.wait_idle()  # its last writes land before the tables are emptied for the next test


def wait_until(predicate, timeout=30.0, what="condition"):
    """Poll until ``predicate()`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


def open_widget(live, fake, app, order_id):
    """The order widget as the dashboard opens it: (page HTML, the fields its forms carry)."""
    token = fake.issue_dashboard_token(app, email="merchant@shop.example")
    page = requests.post(
        f"{live.url}/widgets/order",
        timeout=10,
        data={
            "accessToken": token,
            "saleorApiUrl": fake.api_url,
            "appId": app.app_id,
            "orderId": order_id,
        },
    )
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="(context|drawn_at)" value="([^"]*)"', page.text))
    return page.text, fields | {"orderId": order_id}


def worker_idle(engine, worker) -> bool:
    """Every delivery processed, every Saleor write finished and every task the worker
    received has ended (the session's worker must not write while the next test cleans up)."""
    with engine.connect() as connection:
        waiting = connection.execute(
            select(tables.webhook_deliveries.c.id).where(
                tables.webhook_deliveries.c.status == "received"
            )
        ).first()
        writing = connection.execute(
            select(tables.outbound_attempts.c.id).where(
                tables.outbound_attempts.c.status.in_(("pending", "in_flight"))
            )
        ).first()
    return not worker.tasks_in_hand() and waiting is None and writing is None
