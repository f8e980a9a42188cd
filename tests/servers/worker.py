"""A real Celery worker in a subprocess, on the test database and broker."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
_TASK_LINE = re.compile(rb"Task [\w.]+\[([0-9a-f-]{36})\] (\w+)")


def worker_environment(settings: Settings, *, relay: bool = False) -> dict[str, str]:
    """The worker's environment; its inbox relay is off unless asked for, as a worker shared by
    the session must not hand over deliveries other tests record (each e2e test runs its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update(
        APP_ENV="test",
        APP_URL=settings.app_url,
        DATABASE_URL=settings.database_url,
        CELERY_BROKER_URL=settings.celery_broker_url,
        SECRET_KEY=settings.secret_key,
        ALLOWED_SALEOR_API_URLS=settings.allowed_saleor_api_urls.pattern,
        APP_VAR_DIR=str(Path(settings.database_url.rsplit("/", 1)[-1]).parent),
        LOG_LEVEL="INFO",
        INBOX_RELAY_IN_WORKER="true" if relay else "false",
        ALLOW_PRIVATE_SFTP_HOSTS="true" if settings.allow_private_sftp_hosts else "false",
        ALLOW_PRIVATE_HTTP_HOSTS="true" if settings.allow_private_http_hosts else "false",
    )
    if settings.smtp_host:
        env.update(
            SMTP_HOST=settings.smtp_host,
            SMTP_PORT=str(settings.smtp_port),
            SMTP_SECURITY=settings.smtp_security,
            SMTP_SENDER=settings.smtp_sender,
            SMTP_USERNAME=settings.smtp_username,
            SMTP_PASSWORD=settings.smtp_password,
        )
    return env


class Worker:
    def __init__(self, settings: Settings, log_path: Path, *, relay: bool = False) -> None:
        self._log = log_path.open("wb")
        celery = Path(sys.executable).parent / "celery"
        self.process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "app.celery_app",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=worker_environment(settings, relay=relay),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.log_path = log_path

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._log.close()
                raise RuntimeError("worker exited:\n" + self.log_path.read_text())
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        self.stop()
        raise TimeoutError("worker not ready:\n" + self.log_path.read_text())

    def wait_idle(self, timeout: float = 15.0) -> bool:
        """Wait until every task the worker took has ended (succeeded, failed or retried later),
        so a test's clean-up does not race the worker's last writes. False on timeout (a task
        held for a later ETA, say): the caller goes on."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.tasks_in_hand():
                return True
            time.sleep(0.05)
        return False

    def tasks_in_hand(self) -> set[str]:
        """Ids of tasks received and not yet ended, as the worker's log tells."""
        in_hand: set[str] = set()
        for task_id, verb in _TASK_LINE.findall(self.log_path.read_bytes()):
            if verb == b"received":
                in_hand.add(task_id.decode())
            else:
                in_hand.discard(task_id.decode())
        return in_hand

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
