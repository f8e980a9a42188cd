"""Operators' endpoints: /healthz, /readyz (database, migrations, broker), /metrics."""

from __future__ import annotations

from dataclasses import replace

import requests

from app.adapters.db.engine import build_engine, downgrade_database, upgrade_database
from tests.servers.live_app import start_live_app

METRICS_TOKEN = "metrics-token-0123456789"


def test_healthz_answers_while_the_process_runs(live_app):
    response = requests.get(f"{live_app.url}/healthz", timeout=5)

    assert (response.status_code, response.json()) == (200, {"ok": True})


def test_readyz_is_ready_with_database_migrations_and_broker(live_app):
    response = requests.get(f"{live_app.url}/readyz", timeout=5)

    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def test_readyz_names_the_broker_when_it_is_down(settings, engine):
    live = start_live_app(
        replace(settings, celery_broker_url="redis://127.0.0.1:9/0"), engine=engine
    )
    try:
        response = requests.get(f"{live.url}/readyz", timeout=10)
    finally:
        live.stop()

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert list(response.json()["problems"]) == ["broker"]
    assert response.json()["problems"]["broker"].startswith("broker unreachable")


def test_readyz_names_migrations_that_are_not_at_head(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = build_engine(url)
    upgrade_database(old)
    downgrade_database(old, "0003")
    live = start_live_app(replace(settings, database_url=url), engine=old)
    try:
        response = requests.get(f"{live.url}/readyz", timeout=10)
    finally:
        live.stop()
        old.dispose()

    assert response.status_code == 503
    assert response.json()["problems"] == {
        "database": "migrations not at head (at ['0003'], head ['0020'])"
    }


def test_metrics_are_off_without_a_token(live_app):
    assert requests.get(f"{live_app.url}/metrics", timeout=5).status_code == 404


def test_metrics_need_the_bearer_token(settings, engine):
    live = start_live_app(replace(settings, metrics_token=METRICS_TOKEN), engine=engine)
    try:
        wrong = requests.get(
            f"{live.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=5
        )
        right = requests.get(
            f"{live.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5
        )
    finally:
        live.stop()

    assert wrong.status_code == 401
    assert right.status_code == 200
    assert right.headers["Content-Type"].startswith("text/plain")
    assert "dropship_inbox_backlog 0.0" in right.text
