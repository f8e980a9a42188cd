"""Gunicorn settings for `make run` and production (override with GUNICORN_CMD_ARGS)."""

import multiprocessing

workers = max(2, multiprocessing.cpu_count() * 2)
worker_class = "sync"
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = "-"
preload_app = False


def child_exit(_server, worker):  # type: ignore[no-untyped-def]
    """Prometheus multiprocess mode: fold a dead worker's figures away."""
    from app.adapters.metrics import process_exited

    process_exited(worker.pid)
