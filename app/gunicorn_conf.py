"""Gunicorn settings for `make run` and production (override with GUNICORN_CMD_ARGS)."""

import multiprocessing

workers = max(2, multiprocessing.cpu_count() * 2)
# Threads: a request mostly waits (a webhook on its durable commit, a dashboard page on Saleor's
# API); a worker's other threads use the CPU meanwhile, and keep-alive connections are kept
# (ADR 18: 2 to 4 times the webhook deliveries/s of sync workers on 2 cores).
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = "-"
# Vendor portal links carry a secret in the path: the access log masks it (ADR 22).
logger_class = "app.adapters.access_log.RedactingAccessLogger"
preload_app = False


def child_exit(_server, worker):  # type: ignore[no-untyped-def]
    """Prometheus multiprocess mode: fold a dead worker's figures away."""
    from app.adapters.metrics import process_exited

    process_exited(worker.pid)
