"""A Celery worker (or beat) for the soak, with the app's recovery windows compressed.

    python bench/soak_worker.py <recovery-window-seconds> worker|beat [celery options]

In production a worker killed with SIGKILL is recovered after 20 minutes (the send/write claim's
staleness window and the Redis visibility timeout), a lost hand-over of the inbox relay after 15
and a lost write-back by the minute's sweep after 15; PO sends retry after 30 s, 60 s, ...
A soak of a few minutes would end before any of that happens, so this entry point scales those
windows down to ``window`` seconds (retries from 1-2 s doubling, capped at half the window)
before the app's modules are imported. The mechanisms are the app's own; only the clock's
constants change. It fails loudly if a module no longer takes its constant from where this
patches it (the app was restructured: update this file).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def compress_recovery_windows(window: float) -> None:
    """Scale the claim, visibility, hand-over and sweep windows and the retry backoffs."""
    import importlib

    from app.services import inbox_relay, lost_writes, outbound, writeback_queue

    stale = timedelta(seconds=window)
    cap = max(2, int(window / 2))
    constants = {
        "CLAIM_STALE_AFTER": stale,
        # Four times the tries: the compressed clock puts a real day's 15 minutes of retries
        # into seconds, in which the chaos injects several SMTP faults, and near the end of a
        # small run one PO takes them all (twice the tries: the CI soak once met six in a row).
        "PO_SEND_POLICY": replace(
            outbound.PO_SEND_POLICY,
            max_attempts=4 * outbound.PO_SEND_POLICY.max_attempts,
            backoff_seconds=2,
            cap_seconds=cap,
            stale_after=stale,
        ),
        "SALEOR_WRITE_POLICY": replace(
            outbound.SALEOR_WRITE_POLICY, backoff_seconds=1, cap_seconds=cap, stale_after=stale
        ),
    }
    users = [outbound, *(importlib.import_module(f"app.{name}") for name in _USERS)]
    for module in users:  # before app.celery_app builds the broker options
        for name, value in constants.items():
            if hasattr(module, name):
                setattr(module, name, value)
    kwdefaults = inbox_relay.relay_received_deliveries.__kwdefaults__
    assert kwdefaults is not None and "rehand_after" in kwdefaults, "the relay changed"
    kwdefaults["rehand_after"] = inbox_relay.REHAND_AFTER = stale * 0.75
    writeback_queue.SWEEP_GRACE = lost_writes.LOST_AFTER = stale * 0.75
    from app.adapters.task_queue import _transport_options

    assert _transport_options("redis://x")["visibility_timeout"] == window, "task_queue changed"


_USERS = (
    "adapters.task_queue",
    "services.dispatch",
    "services.shipments",
    "services.lost_writes",
    "services.saleor_writes.write_back",
    "services.saleor_writes.fulfilments",
    "services.saleor_writes.fulfilment_changes",
)


def main() -> None:
    window, role, *options = sys.argv[1:]
    compress_recovery_windows(float(window))
    from app.celery_app import celery

    for entry in celery.conf.beat_schedule.values():  # the minute's sweeps, scaled too
        entry["schedule"] = min(entry["schedule"], max(2.0, float(window) / 4))
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", "-A", "app.celery_app", role, *options]
    celery_main()


if __name__ == "__main__":
    main()
