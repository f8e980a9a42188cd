"""Webhook ingest benchmark: signed deliveries over loopback against gunicorn, vs a bare endpoint.

    .venv/bin/python bench/webhook_ingest.py [--deliveries 3000] [--concurrency 8] [--rounds 1]
        [--storage all|sqlite|postgresql] [--relay during|after]

For each storage (SQLite file; PostgreSQL when it answers on 127.0.0.1:5432) it starts the app under
gunicorn with app/gunicorn_conf.py, stores one installation whose JWKS holds a fresh RSA key, signs
N distinct ORDER_CREATED bodies exactly as Saleor does (detached RS256 JWS), and posts them with C
concurrent keep-alive clients, while the inbox relay (`flask relay`) hands the recorded deliveries
to the broker (Redis when it answers on 127.0.0.1:6379, else the file broker); it reports how long
after the last answer every delivery was handed over. The same load then goes to bench/bare_app.py
under the same gunicorn settings, right after, with the same bodies: each round is one such pair,
so the ratio of a round compares the two under the same machine load (the load average at the
start of the round is printed too). A run where any delivery is not answered 200 is not reported.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_URL = "http://127.0.0.1:8000/graphql/"
APP_ID = "QXBwOjE="


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    as_bytes = lambda n: n.to_bytes((n.bit_length() + 7) // 8, "big")  # noqa: E731
    return {
        "kty": "RSA",
        "kid": kid,
        "alg": "RS256",
        "use": "sig",
        "n": _b64(as_bytes(numbers.n)),
        "e": _b64(as_bytes(numbers.e)),
    }


def _sign(key: rsa.RSAPrivateKey, kid: str, body: bytes) -> str:
    header = _b64(
        json.dumps(
            {"alg": "RS256", "b64": False, "crit": ["b64"], "kid": kid, "typ": "JWT"}
        ).encode()
    )
    signature = key.sign(header.encode() + b"." + body, padding.PKCS1v15(), SHA256())
    return f"{header}..{_b64(signature)}"


def _bodies(count: int) -> list[bytes]:
    bodies = []
    for number in range(count):
        order_id = base64.b64encode(f"Order:{uuid.uuid4()}".encode()).decode()
        bodies.append(
            json.dumps(
                {
                    "__typename": "OrderCreated",
                    "issuedAt": "2026-11-29T00:38:28.546601+00:00",
                    "version": "3.23.28",
                    "issuingPrincipal": {
                        "__typename": "User",
                        "id": "VXNlcjoyMQ==",
                        "email": "admin@example.com",
                    },
                    "recipient": {"id": APP_ID},
                    "order": {
                        "id": order_id,
                        "number": str(number),
                        "status": "UNFULFILLED",
                        "updatedAt": None,
                    },
                }
            ).encode()
        )
    return bodies


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_gunicorn(target: str, env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            str(ROOT / "app/gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--chdir",
            str(ROOT),
            target,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not _port_open(port):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"gunicorn for {target} did not start")
        time.sleep(0.1)
    return process


def _start_relay(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The inbox relay (as the worker runs it) publishing to the broker during the load."""
    flask = Path(sys.executable).parent / "flask"
    return subprocess.Popen(
        [str(flask), "--app", "app", "relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_handed_over(database_url: str, timeout: float = 30.0) -> float:
    """Seconds after the last answer until the relay has handed every delivery over."""
    from sqlalchemy import func, select

    from app.adapters.db import tables
    from app.adapters.db.engine import build_engine

    engine = build_engine(database_url)
    table = tables.webhook_deliveries
    waiting = select(func.count()).where(table.c.queued_at.is_(None))
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as connection:
                if connection.execute(waiting).scalar() == 0:
                    return time.perf_counter() - started
            time.sleep(0.05)
        return float("inf")
    finally:
        engine.dispose()


def _load(port: int, requests: list[tuple[bytes, dict[str, str]]], path: str, concurrency: int):
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    chunks = [requests[i::concurrency] for i in range(concurrency)]

    def client(chunk: list[tuple[bytes, dict[str, str]]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], {}
        for body, headers in chunk:
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (http.client.HTTPException, OSError):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - started)
            codes[status] = codes.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "per_second": len(latencies) / elapsed,
        "statuses": statuses,
    }


def _prepare_database(database_url: str, key: rsa.RSAPrivateKey, kid: str) -> None:
    from app.adapters.crypto import TokenCipher
    from app.adapters.db.engine import build_engine, upgrade_database
    from app.adapters.db.unit_of_work import SqlAlchemyUnitOfWork
    from app.domain.installations import Installation, SaleorApiUrl

    engine = build_engine(database_url)
    upgrade_database(engine)
    with SqlAlchemyUnitOfWork(engine, TokenCipher(os.environ["SECRET_KEY"])) as uow:
        uow.installations.save(
            Installation(
                saleor_api_url=SaleorApiUrl(API_URL),
                app_id=APP_ID,
                token="bench-token",
                jwks={"keys": [_jwk(key, kid)]},
            )
        )
        uow.commit()
    engine.dispose()


def _create_postgres_database() -> str:
    name = f"dropship_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{name}"'],
        check=True,
    )
    return name


def _drop_postgres_database(name: str) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            f'DROP DATABASE "{name}" WITH (FORCE)',
        ],
        check=False,
    )


def _signed_requests(key: rsa.RSAPrivateKey, kid: str, count: int):
    return [
        (
            body,
            {
                "Content-Type": "application/json",
                "Saleor-Event": "order_created",
                "Saleor-Domain": "127.0.0.1:8000",
                "Saleor-Api-Url": API_URL,
                "Saleor-Signature": _sign(key, kid, body),
            },
        )
        for body in _bodies(count)
    ]


_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's master and its workers)."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        waiting.extend(int(child) for child in children)
    return found


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (``/proc/<pid>/stat``)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def _backends(database: str) -> list[int]:
    """PostgreSQL's server processes serving the benchmark's database (the app's and relay's)."""
    found = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(line) for line in found.stdout.split()]


class _CpuMeter:
    """CPU seconds spent by the server side of one load: the app's (or bare) gunicorn workers,
    the relay, and the PostgreSQL backends of the benchmark's database. Unlike throughput, CPU
    per delivery hardly moves with what else the machine runs."""

    def __init__(self, server: int, relay: int | None = None, database: str | None = None):
        self._groups = {"server": lambda: _tree(server)}
        if relay is not None:
            self._groups["relay"] = lambda: [relay]
        if database is not None:
            self._groups["postgres"] = lambda: _backends(database)
        self._start: dict[str, dict[int, float]] = {}

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: _cpu_seconds([pid]) for pid in pids()}
            for name, pids in self._groups.items()
        }

    def start(self) -> None:
        self._start = self._read()

    def per_delivery_ms(self, deliveries: int) -> dict[str, float]:
        end = self._read()
        return {
            name: sum(
                seconds - self._start[name].get(pid, 0.0) for pid, seconds in end[name].items()
            )
            / deliveries
            * 1000
            for name in end
        }


def _check_answers(target: str, result: dict[str, object]) -> None:
    """Only a run where every delivery was accepted is a measurement."""
    statuses = result["statuses"]
    assert isinstance(statuses, dict)
    if set(statuses) != {200}:
        raise SystemExit(f"{target}: not every delivery was accepted: {statuses}")


def run(
    deliveries: int,
    concurrency: int,
    redis_url: str,
    rounds: int,
    storages_wanted: set[str],
    relay_during: bool = True,
) -> list[dict[str, object]]:
    """Each round loads the app, then the bare endpoint, with fresh bodies (both stay up)."""
    os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-0123456789")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = "bench-key"
    warm_up = _signed_requests(key, kid, 50)
    workdir = Path(tempfile.mkdtemp(prefix="dropship-bench-"))
    redis = _port_open(6379)
    broker = redis_url if redis else f"sqla+sqlite:///{workdir}/broker.sqlite"
    storages = []
    if "sqlite" in storages_wanted:
        storages.append(("SQLite", f"sqlite:///{workdir}/bench.sqlite", None))
    if "postgresql" in storages_wanted and _port_open(5432):
        name = _create_postgres_database()
        storages.append(("PostgreSQL", f"postgresql://postgres@127.0.0.1:5432/{name}", name))
    path = "/api/webhooks/order-created"
    bare_port = _free_port()
    bare = _start_gunicorn("bench.bare_app:application", dict(os.environ), bare_port)
    results: list[dict[str, object]] = []
    try:
        _load(bare_port, warm_up, path, concurrency)
        for label, database_url, pg_name in storages:
            os.environ["DATABASE_URL"] = database_url
            _prepare_database(database_url, key, kid)
            env = dict(
                os.environ,
                APP_ENV="production",
                DATABASE_URL=database_url,
                CELERY_BROKER_URL=broker,
                ALLOWED_SALEOR_API_URLS=r"http://127\.0\.0\.1:\d+/graphql/",
                APP_URL="http://127.0.0.1:8000",
                LOG_LEVEL="WARNING",
            )
            port = _free_port()
            server = _start_gunicorn("app:create_app()", env, port)
            relay = _start_relay(env)
            target = f"app, {label}, broker {'Redis' if redis else 'file'}"
            if not relay_during:
                target += ", relay after the load"
            try:
                _load(port, warm_up, path, concurrency)
                _wait_handed_over(database_url)
                if not relay_during:
                    relay.terminate()
                    relay.wait()
                app_cpu = _CpuMeter(server.pid, relay.pid if relay_during else None, pg_name)
                bare_cpu = _CpuMeter(bare.pid)
                for round_number in range(1, rounds + 1):
                    signed = _signed_requests(key, kid, deliveries)
                    load = _os_load()
                    app_cpu.start()
                    result = _load(port, signed, path, concurrency)
                    _check_answers(target, result)
                    result["cpu_ms"] = app_cpu.per_delivery_ms(deliveries)
                    if not relay_during:
                        relay = _start_relay(env)
                    result["handed_over_s"] = _wait_handed_over(database_url)
                    if not relay_during:
                        relay.terminate()
                        relay.wait()
                    bare_cpu.start()
                    reference = _load(bare_port, signed, path, concurrency)
                    _check_answers("bare", reference)
                    reference["cpu_ms"] = bare_cpu.per_delivery_ms(deliveries)
                    ratio = float(result["per_second"]) / float(reference["per_second"])
                    common = {"round": round_number, "load": load}
                    results.append({"target": target, **common, **result, "ratio": ratio})
                    results.append({"target": "bare Flask endpoint", **common, **reference})
            finally:
                relay.terminate()
                relay.wait()
                server.terminate()
                server.wait()
                if pg_name:
                    _drop_postgres_database(pg_name)
    finally:
        bare.terminate()
        bare.wait()
    if redis:
        import redis as redis_client

        redis_client.Redis.from_url(broker).flushdb()
    return results


def _os_load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="app then bare, this many times")
    parser.add_argument(
        "--storage", choices=("all", "sqlite", "postgresql"), default="all", help="app storages"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14", help="broker database")
    parser.add_argument(
        "--relay",
        choices=("during", "after"),
        default="during",
        help="run the inbox relay beside the load (as a worker on the same machine would), or "
        "start it after each load (the relay's CPU then not competing with the endpoint's)",
    )
    args = parser.parse_args()
    wanted = {"sqlite", "postgresql"} if args.storage == "all" else {args.storage}
    results = run(
        args.deliveries,
        args.concurrency,
        args.redis_url,
        args.rounds,
        wanted,
        relay_during=args.relay == "during",
    )
    cores = os.cpu_count()
    print(f"{args.deliveries} deliveries, {args.concurrency} concurrent clients, {cores} cores")
    print(
        "| round | load | target | p50 ms | p99 ms | deliveries/s | of bare "
        "| all handed over after | CPU ms per delivery |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        figures = f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['per_second']:.0f}"
        ratio = f"{float(r['ratio']):.0%}" if "ratio" in r else ""
        handed = f"{r['handed_over_s']:.2f} s" if "handed_over_s" in r else ""
        cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in r["cpu_ms"].items())
        print(
            f"| {r['round']} | {r['load']} | {r['target']} | {figures} | {ratio} | {handed} "
            f"| {cpu} |"
        )
    for target in dict.fromkeys(r["target"] for r in results if "ratio" in r):
        ratios = sorted(float(r["ratio"]) for r in results if r["target"] == target)
        p99s = sorted(float(r["p99_ms"]) for r in results if r["target"] == target)
        print(
            f"{target}: of bare median {statistics.median(ratios):.0%} "
            f"(min {ratios[0]:.0%}, max {ratios[-1]:.0%}); "
            f"p99 median {statistics.median(p99s):.1f} ms (max {p99s[-1]:.1f} ms)"
        )


if __name__ == "__main__":
    main()
