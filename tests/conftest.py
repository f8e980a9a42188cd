"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when configured), app, servers.

PostgreSQL-backed variants run when TEST_POSTGRES_URL is set (``make test`` and CI set it when
the server is reachable); Redis-backed ones when TEST_REDIS_URL is set.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

# Every process of the test session (this one and the Celery workers it starts, which inherit
# the environment) adds its Prometheus figures up in one directory, as gunicorn and Celery do.
# A directory of its own per test process, inside the one given (`make test` gives one): the
# processes of pytest-xdist never add their counts to each other's.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(
    prefix="dropship-metrics-", dir=os.environ.get("PROMETHEUS_MULTIPROC_DIR")
)

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from app.adapters.db.engine import build_engine, upgrade_database
from app.adapters.db.tables import metadata
from app.settings import Settings, load_settings

pytest_plugins = ["tests.servers.fake_saleor.pytest_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path(
    os.environ.get("SALEOR_SCHEMA_PATH", str(ROOT.parent / "shared" / "saleor" / "schema.graphql"))
)
SHARED_SALEOR = SCHEMA_PATH.parent
CAPTURES = SHARED_SALEOR / "captures"
RESPONSES = SHARED_SALEOR / "responses"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
# Under pytest-xdist each worker process (gw0, gw1, ...) has a session of its own: its own
# PostgreSQL database (a fresh name per session) and its own Redis database, counted down from
# the one TEST_REDIS_URL names, as the e2e broker is flushed when a session starts.
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
if REDIS_URL and _XDIST_WORKER:
    _base, _, _db = REDIS_URL.rpartition("/")
    REDIS_URL = f"{_base}/{int(_db or 0) - _XDIST_WORKER}"
LOOPBACK_SALEOR = r"http://127\.0\.0\.1:\d+/graphql/"

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def make_settings(tmp_path: Path, **changes: object) -> Settings:
    env = {
        "APP_ENV": "test",
        "APP_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "test-secret-key-0123456789",
        "ALLOWED_SALEOR_API_URLS": LOOPBACK_SALEOR,
        "PROMETHEUS_MULTIPROC_DIR": os.environ["PROMETHEUS_MULTIPROC_DIR"],
    }
    changes = {"saleor_retry_backoff_seconds": 0.01, **changes}
    return replace(load_settings(env), **changes)  # type: ignore[arg-type]


def _create_postgres_database() -> tuple[str, str]:
    name = f"dropship_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, re.sub(r"/[^/]*$", f"/{name}", POSTGRES_URL)


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per backend, shared by the session; tables are emptied per test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        engine = build_engine(url)
        upgrade_database(engine)
        engine.dispose()
        yield url
        return
    name, url = _create_postgres_database()
    engine = build_engine(url)
    upgrade_database(engine)
    engine.dispose()
    yield url
    _drop_postgres_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = build_engine(database_url)
    yield engine
    _wait_for_connections_back(engine)
    _empty_tables(engine)
    engine.dispose()


def _wait_for_connections_back(engine: Engine, timeout: float = 10.0) -> None:
    """Wait for a straggling thread to return its connection: one returned after dispose()
    would sit open in the discarded pool until the garbage collector warns in a later test."""
    checked_out = getattr(engine.pool, "checkedout", lambda: 0)
    deadline = time.monotonic() + timeout
    while checked_out():
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{checked_out()} connection(s) still in use {timeout} s after the test"
            )
        time.sleep(0.02)


def _empty_tables(engine: Engine, tries: int = 3) -> None:
    """Delete every row; a deadlock with a straggling background write is tried again."""
    for attempt in range(tries):
        try:
            with engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    connection.execute(table.delete())
            return
        except OperationalError as error:
            if "deadlock" not in str(error.orig).lower() or attempt == tries - 1:
                raise
            time.sleep(0.2)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def task_queue():
    from tests.fakes import RecordingTaskQueue

    return RecordingTaskQueue()


@pytest.fixture
def live_app(settings: Settings, engine: Engine, task_queue) -> Iterator[object]:
    """The app over HTTP on loopback, tasks recorded (not run) unless a test swaps the queue."""
    from tests.servers.live_app import start_live_app

    live = start_live_app(settings, engine=engine, task_queue=task_queue)
    yield live
    live.stop()


@pytest.fixture
def installed(fake_saleor, live_app):
    """The app installed in the fake Saleor: (fake_saleor, live_app, installed_app)."""
    app = fake_saleor.install_app(live_app.manifest_url)
    return fake_saleor, live_app, app
