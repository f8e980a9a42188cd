"""Webhooks caused by mutations: published after the request, delivered by a background thread.

Like Saleor (payload generated at commit, sent by Celery), each event's order/fulfilment is
snapshotted when the mutation's request ends; a single worker thread renders, signs and POSTs
the deliveries in FIFO order, with the usual retries.
"""

from __future__ import annotations

import copy
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .auth import RequestContext
from .models import InstalledApp, WebhookDelivery
from .orders import issuing_principal, now_iso


@dataclass
class EmittedEvent:
    """One async event a mutation caused (kept even when no app is subscribed)."""

    event: str
    issuing_principal: dict[str, Any] | None
    order: dict[str, Any] | None
    extra: dict[str, Any]
    issued_at: str
    recipients: list[str] = field(default_factory=list)

    @property
    def order_id(self) -> str | None:
        """The id of the order in the payload, if any."""
        return self.order.get("id") if self.order else None


Job = tuple[InstalledApp, dict[str, Any], EmittedEvent]
DeliverFn = Callable[[InstalledApp, dict[str, Any], EmittedEvent], WebhookDelivery]


def snapshot(ctx: RequestContext) -> list[EmittedEvent]:
    """The events queued by this request, with their data copied as it is now."""
    queued = ctx.extras.pop("events", [])
    if not queued:
        return []
    principal, issued_at = issuing_principal(ctx), now_iso()
    with ctx.store.lock:
        copied = copy.deepcopy([(order, extra) for _, order, extra in queued])
    return [
        EmittedEvent(event, principal, order, extra, issued_at)
        for (event, _, _), (order, extra) in zip(queued, copied, strict=True)
    ]


class EventBus:
    """Routes emitted events to the subscribed webhooks of active apps; one worker thread."""

    def __init__(self, apps: Callable[[], list[InstalledApp]], deliver: DeliverFn) -> None:
        self._apps, self._deliver = apps, deliver
        self.emitted: list[EmittedEvent] = []
        self.pending: list[Job] = []
        self.errors: list[tuple[EmittedEvent, Exception]] = []
        self.auto_deliver = True
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._outstanding = 0  # jobs queued or being delivered
        self._requests = 0  # GraphQL requests whose events are not published yet
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None

    def request_started(self) -> None:
        """A GraphQL request began; wait() also waits for it to publish its events."""
        with self._idle:
            self._requests += 1

    def request_answered(self, ctx: RequestContext) -> None:
        """Publish what the request queued (snapshotted now), then stop counting it."""
        try:
            self.publish(snapshot(ctx))
        finally:
            with self._idle:
                self._requests -= 1
                self._idle.notify_all()

    def publish(self, events: list[EmittedEvent]) -> None:
        """Record `events`; queue (or hold, when auto_deliver is off) one job per webhook."""
        jobs: list[Job] = []
        for emitted in events:
            self.emitted.append(emitted)
            for app in self._apps():
                if not app.is_active or app.removed:
                    continue
                for hook in app.webhooks:
                    if hook.get("isActive", True) and emitted.event in (
                        hook.get("asyncEvents") or []
                    ):
                        emitted.recipients.append(app.app_id)
                        jobs.append((app, hook, emitted))
        if self.auto_deliver:
            self._enqueue(jobs)
        else:
            self.pending.extend(jobs)

    def release(self) -> int:
        """Hand the held jobs to the worker; returns how many."""
        jobs, self.pending = self.pending, []
        self._enqueue(jobs)
        return len(jobs)

    def _enqueue(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        self._ensure_worker()
        with self._idle:
            self._outstanding += len(jobs)
        for job in jobs:
            self._queue.put(job)

    def wait(self, timeout: float) -> None:
        """Block until running requests published and every job was attempted (or TimeoutError)."""
        with self._idle:
            if not self._idle.wait_for(
                lambda: self._outstanding == 0 and self._requests == 0, timeout=timeout
            ):
                raise TimeoutError(
                    f"{self._outstanding} deliveries queued, {self._requests} requests running"
                )

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(
                target=self._work, daemon=True, name="fake-saleor-webhooks"
            )
            self._thread.start()

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            try:
                self._deliver(*job)
            except Exception as exc:  # recorded for tests; the worker keeps going
                self.errors.append((job[2], exc))
            finally:
                with self._idle:
                    self._outstanding -= 1
                    self._idle.notify_all()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the worker after the jobs already queued."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=timeout)
        self._thread = None


class EventControls:
    """FakeSaleor's controls over mutation webhooks (needs `_events` and `deliveries`)."""

    _events: EventBus
    deliveries: list[WebhookDelivery]

    @property
    def emitted_events(self) -> list[EmittedEvent]:
        """Every async event a mutation caused, in order (also when nobody subscribed)."""
        return self._events.emitted

    @property
    def webhook_errors(self) -> list[tuple[EmittedEvent, Exception]]:
        """Events whose payload could not be rendered (e.g. data missing in the test order)."""
        return self._events.errors

    @property
    def auto_deliver_events(self) -> bool:
        """True (default): mutation webhooks go out from a background thread after the answer.

        False: they are held until deliver_pending_events() or until this is set back to True.
        """
        return self._events.auto_deliver

    @auto_deliver_events.setter
    def auto_deliver_events(self, value: bool) -> None:
        self._events.auto_deliver = value
        if value:
            self._events.release()

    def deliver_pending_events(self) -> int:
        """Hand the held deliveries to the background thread; returns how many."""
        return self._events.release()

    def wait_for_events(self, timeout: float = 5.0) -> list[WebhookDelivery]:
        """Block until every queued mutation webhook was attempted; returns self.deliveries."""
        self._events.wait(timeout)
        return self.deliveries
