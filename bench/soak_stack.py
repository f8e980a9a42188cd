"""The soak's servers: PostgreSQL and Redis behind switchable proxies, the fake Saleor, the SMTP
server, the app under gunicorn, Celery workers and beat (bench/soak_worker.py), each a real
process or a real socket on loopback."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from app.adapters.db.engine import build_engine, upgrade_database
from tests.conftest import make_settings
from tests.servers.fake_saleor import FakeSaleor
from tests.servers.smtp import SmtpServer
from tests.servers.tcp_proxy import TcpProxy, free_port
from tests.servers.worker import worker_environment

ROOT = Path(__file__).resolve().parent.parent
SALEOR_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)  # 15 s of retries (Saleor's own take minutes)
OUTBOUND_TIMEOUT_SECONDS = 2.0


@dataclass
class StackConfig:
    postgres_url: str
    redis_url: str
    workdir: Path
    workers: int = 3
    recovery_window: float = 60.0
    web_workers: int = 3


def _admin(postgres_url: str):  # type: ignore[no-untyped-def]
    return create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Process:
    """One worker or beat process of the soak (restartable after a SIGKILL)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stack:
    config: StackConfig
    database_url: str = ""
    database_name: str = ""
    fake: FakeSaleor | None = None
    smtp: SmtpServer | None = None
    redis_proxy: TcpProxy | None = None
    postgres_proxy: TcpProxy | None = None
    app_url: str = ""
    web: Process | None = None
    workers: list[Process] = field(default_factory=list)
    beat: Process | None = None
    env: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, schema_path: Path | None) -> None:
        self._database()
        self._redis_flush()
        redis, postgres = urlsplit(self.config.redis_url), urlsplit(self.database_url)
        self.redis_proxy = TcpProxy(redis.hostname or "127.0.0.1", redis.port or 6379)
        self.postgres_proxy = TcpProxy(postgres.hostname or "127.0.0.1", postgres.port or 5432)
        self.redis_proxy.start()
        self.postgres_proxy.start()
        self.smtp = SmtpServer().start()
        self.fake = FakeSaleor(schema_path, retry_delays=SALEOR_RETRY_DELAYS).start()
        self._environment()
        self._start_web()
        for index in range(self.config.workers):
            self.workers.append(self._worker(index))
            self.workers[-1].start()
        self.beat = self._celery("beat", ["beat", "--schedule", str(self._dir / "beat-schedule")])
        self.beat.start()
        self._wait_workers_ready()

    @property
    def _dir(self) -> Path:
        return self.config.workdir

    def _database(self) -> None:
        self.database_name = f"dropship_soak_{uuid.uuid4().hex[:10]}"
        admin = _admin(self.config.postgres_url)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.database_name}"'))
        admin.dispose()
        self.database_url = re.sub(r"/[^/]*$", f"/{self.database_name}", self.config.postgres_url)
        engine = build_engine(self.database_url)
        upgrade_database(engine)
        engine.dispose()

    def _redis_flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.config.redis_url)
        client.flushdb()
        client.close()

    def _environment(self) -> None:
        assert self.smtp and self.redis_proxy and self.postgres_proxy
        settings = make_settings(
            self._dir,
            database_url=_via(self.database_url, self.postgres_proxy.port),
            celery_broker_url=_via(self.config.redis_url, self.redis_proxy.port),
            smtp_host="127.0.0.1",
            smtp_port=self.smtp.port,
            smtp_security="none",
            smtp_sender="orders@shop.example",
        )
        port = free_port()
        self.app_url = f"http://127.0.0.1:{port}"
        self.env = worker_environment(replace(settings, app_url=self.app_url), relay=True)
        self.env.update(
            OUTBOUND_TIMEOUT_SECONDS=str(OUTBOUND_TIMEOUT_SECONDS),
            PROMETHEUS_MULTIPROC_DIR=os.environ.get("PROMETHEUS_MULTIPROC_DIR", str(self._dir)),
            PYTHONPATH=str(ROOT),
        )

    def _start_web(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        port = urlsplit(self.app_url).port
        argv = [str(gunicorn), "--config", str(ROOT / "app/gunicorn_conf.py")]
        argv += ["--bind", f"127.0.0.1:{port}", "--workers", str(self.config.web_workers)]
        argv += ["--access-logfile", "/dev/null", "--chdir", str(ROOT), "app:create_app()"]
        self.web = Process("web", argv, self.env, self._dir / "web.log")
        self.web.start()
        import requests

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.app_url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the app did not start:\n" + (self._dir / "web.log").read_text())

    def _celery(self, name: str, options: list[str]) -> Process:
        argv = [sys.executable, str(ROOT / "bench/soak_worker.py")]
        argv += [str(self.config.recovery_window), *options]
        return Process(name, argv, self.env, self._dir / f"{name}.log")

    def _worker(self, index: int) -> Process:
        options = ["worker", "--pool=solo", "--loglevel=INFO", "-n", f"soak{index}@%h"]
        options += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        return self._celery(f"worker{index}", options)

    def _wait_workers_ready(self) -> None:
        deadline = time.monotonic() + 90
        for worker in self.workers:
            while b"ready." not in worker.log_path.read_bytes():
                if worker.popen is None or worker.popen.poll() is not None:
                    raise RuntimeError(f"{worker.name} exited:\n" + worker.log_path.read_text())
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{worker.name} not ready")
                time.sleep(0.2)

    def kill_random_worker(self, rng: random.Random, pause: float) -> str:
        """SIGKILL one worker (mid-task, as an OOM killer would), restart it after ``pause``."""
        with self._lock:
            worker = rng.choice(self.workers)
            worker.kill()
        time.sleep(pause)
        with self._lock:
            worker.start()
        return worker.name

    def stop(self) -> None:
        for process in [*self.workers, self.beat, self.web]:
            if process is not None:
                process.stop()
        for server in (self.fake, self.smtp):
            if server is not None:
                server.stop()
        for proxy in (self.redis_proxy, self.postgres_proxy):
            if proxy is not None:
                proxy.close()
        if self.database_name and not os.environ.get("SOAK_KEEP_DATABASE"):
            admin = _admin(self.config.postgres_url)
            with admin.connect() as connection:
                connection.execute(
                    text(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
                )
            admin.dispose()
