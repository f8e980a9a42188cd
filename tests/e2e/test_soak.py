"""The fault-injection soak (bench/soak.py) in a small size: orders from the fake Saleor through
the app under gunicorn, real Celery workers and beat, PostgreSQL and Redis behind switchable
proxies and an SMTP server, with every kind of fault injected; the invariant check finds nothing
lost, doubled or left waiting. The large run is by hand (docs/benchmarks.md); `make soak` runs
this one alone."""

from __future__ import annotations

import pytest

from bench.soak import report, run_soak
from bench.soak_drive import Chaos
from tests.conftest import POSTGRES_URL, REDIS_URL, SCHEMA_PATH

ORDERS = 40


@pytest.mark.parametrize("stack", ["postgresql+redis"] if POSTGRES_URL and REDIS_URL else [])
def test_the_soak_loses_and_doubles_nothing_under_every_kind_of_fault(stack, tmp_path):
    redis_url = REDIS_URL.rsplit("/", 1)[0] + "/9"  # the soak flushes its own Redis database
    result = run_soak(
        ORDERS,
        workers=2,
        fault_interval=1.5,
        recovery_window=15.0,
        drain_timeout=150.0,
        postgres_url=POSTGRES_URL,
        redis_url=redis_url,
        schema_path=SCHEMA_PATH,
        workdir=tmp_path,
    )

    print(report(result))
    assert result.violations == []
    assert result.drained
    assert {kind for kind, count in result.figures.faults.items() if count} >= set(Chaos.KINDS)
    assert result.figures.deliveries["duplicate (same body)"] > 0
    assert result.figures.deliveries["reordered"] > 0
