"""CPU per webhook request in one process, split into its parts (PostgreSQL on 127.0.0.1:5432).

    .venv/bin/python bench/webhook_cpu.py [--requests 500]

Best of 3 runs of N calls each, CPU time of this process (PostgreSQL's own CPU is not in it):
the whole signed request through Flask's test client, `ingest_webhook` alone, the signature check
alone, the unit of work alone (cached installation, INSERT, COMMIT: the path before the inbox
port), the inbox alone (cached installation, one autocommitted INSERT), and the bare endpoint.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import timeit
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhook_ingest as bench


def _signed(key: rsa.RSAPrivateKey, count: int) -> Iterator[tuple[bytes, dict[str, str]]]:
    for body in bench._bodies(count):
        yield (
            body,
            {
                "Content-Type": "application/json",
                "Saleor-Event": "order_created",
                "Saleor-Api-Url": bench.API_URL,
                "Saleor-Signature": bench._sign(key, "k", body),
            },
        )


def _measure(calls: dict[str, Callable[[], object]], number: int) -> None:
    for label, call in calls.items():
        call()
        cpu = min(timeit.repeat(call, number=number, repeat=3, timer=time.process_time))
        print(f"| {label} | {cpu / number * 1000:.3f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    number = parser.parse_args().requests
    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-0123456789")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = bench._create_postgres_database()
    database_url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        bench._prepare_database(database_url, key, "k")
        os.environ.update(
            APP_ENV="production",
            DATABASE_URL=database_url,
            ALLOWED_SALEOR_API_URLS=r"http://127\.0\.0\.1:\d+/graphql/",
            LOG_LEVEL="WARNING",
        )
        _run(key, number)
    finally:
        bench._drop_postgres_database(name)


def _run(key: rsa.RSAPrivateKey, number: int) -> None:
    from app import create_app
    from app.domain.installations import InstallationId
    from app.domain.webhooks import WebhookEvent
    from app.services.deliveries import WebhookRequest, ingest_webhook
    from bench.bare_app import application as bare_app

    flask_app = create_app()
    parts = flask_app.extensions["container"]
    client, bare = flask_app.test_client(), bare_app.test_client()
    for_http = iter(list(_signed(key, 4 * number)))  # signed before timing
    for_service = iter(list(_signed(key, 4 * number)))
    body, headers = next(_signed(key, 1))
    jwks = {"keys": [bench._jwk(key, "k")]}

    def request() -> object:
        data, signed = next(for_http)
        return client.post("/api/webhooks/order-created", data=data, headers=signed)

    def service() -> object:
        data, signed = next(for_service)
        call = WebhookRequest(
            WebhookEvent.ORDER_CREATED,
            bench.API_URL,
            "order_created",
            signed["Saleor-Signature"],
            data,
        )
        return ingest_webhook(parts.uow_factory, parts.saleor, parts.verifier, parts.inbox, call)

    def unit_of_work() -> None:
        with parts.uow_factory() as uow:
            uow.installations.get_active_by_api_url(bench.API_URL)
            uow.deliveries.add(
                InstallationId(1), WebhookEvent.ORDER_CREATED, uuid.uuid4().hex, body.decode()
            )
            uow.commit()

    def inbox() -> None:
        parts.inbox.active_installation(bench.API_URL)
        parts.inbox.record(
            InstallationId(1), WebhookEvent.ORDER_CREATED, uuid.uuid4().hex, body.decode()
        )

    print("| part | CPU per call |")
    print("|---|---|")
    _measure(
        {
            "whole webhook request": request,
            "ingest_webhook": service,
            "signature check": lambda: parts.verifier.verify_webhook(
                headers["Saleor-Signature"], body, jwks
            ),
            "unit of work: installation, INSERT, COMMIT (before)": unit_of_work,
            "inbox: cached installation, autocommitted INSERT": inbox,
            "bare endpoint": lambda: bare.post(
                "/api/webhooks/order-created", data=body, headers=headers
            ),
        },
        number,
    )


if __name__ == "__main__":
    main()
