"""One mechanism for every outbound write (ADR 6).

A write is recorded (``record_outbound``) in the same transaction as the change that asks for it,
before it is tried; each try first claims the row (``claim_outbound``: attempts + 1, committed
before the call), then ends it as sent, failed (with the reason), or to be retried (the error and
the time of the next try). Retries keep the row's idempotency key, which the write carries (the
PO email's Message-ID, the write-back id in Saleor's metadata) or which tells the worker to read
Saleor back before trying again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.installations import InstallationId
from app.domain.outbound import Channel, OutboundAttempt, OutboundStatus, Subject
from app.errors import Invalid, NotFound
from app.services.ports import TaskQueue
from app.services.tasks import TaskName
from app.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class RetryPolicy:
    """How often a write is tried and how long to wait between tries (capped exponential).

    The Celery task uses the same numbers for ``max_retries`` and its countdown, so the "next
    try at" the merchant sees is when the worker really tries again."""

    max_attempts: int
    backoff_seconds: int
    cap_seconds: int
    stale_after: timedelta = timedelta(minutes=20)

    @property
    def max_retries(self) -> int:
        return self.max_attempts - 1

    def delay_after(self, attempt: int) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        return timedelta(seconds=min(self.cap_seconds, self.backoff_seconds * 2 ** (attempt - 1)))


# A claim older than this belongs to a worker that died (kill -9): another may take the write
# over. The Redis broker's visibility timeout is the same window (adapters/task_queue.py), and it
# must exceed every retry countdown, or Redis would hand a waiting retry to a second worker.
CLAIM_STALE_AFTER = timedelta(minutes=20)
PO_SEND_POLICY = RetryPolicy(6, backoff_seconds=30, cap_seconds=900, stale_after=CLAIM_STALE_AFTER)
SALEOR_WRITE_POLICY = RetryPolicy(
    7, backoff_seconds=5, cap_seconds=600, stale_after=CLAIM_STALE_AFTER
)


def _now() -> datetime:
    return datetime.now(UTC)


# How the adapters end the words of a temporary failure (the SMTP mailer's outage messages).
RETRY_PROMISE = "; it will be tried again."


def given_up_reason(message: str, attempts: int) -> str:
    """A temporary failure on the last attempt, as the merchant reads it: the cause without the
    promise of another try, that none will come, and what to do (the send-failed PO shows a
    Retry button, which sends it again under the same key)."""
    cause = message.removesuffix(RETRY_PROMISE).rstrip(" .")
    tries = "once" if attempts == 1 else f"{attempts} times"
    return f"{cause}. Tried {tries}; it will not be tried again: fix the cause, then press Retry."


def record_outbound(
    uow: UnitOfWork,
    installation_id: InstallationId,
    *,
    subject: Subject,
    subject_id: str | int,
    channel: str,
    key: str,
    policy: RetryPolicy,
    reopen: bool = False,
) -> OutboundAttempt:
    """Record a write before it is tried, once per key: call it in the transaction of the change
    that asks for the write, then queue the task after the commit; the task claims it.

    ``reopen``: the write is asked for again (the merchant's Retry, a new tracking number), so
    a finished row under the same key gets a fresh set of attempts. Returns the row as found."""
    recorded = uow.outbound.record(
        installation_id,
        subject=subject,
        subject_id=str(subject_id),
        channel=channel,
        key=key,
        max_attempts=policy.max_attempts,
        now=_now(),
    )
    if reopen and not recorded.is_open:
        uow.outbound.reopen(installation_id, key)
    return recorded


def claim_outbound(
    uow: UnitOfWork,
    installation_id: InstallationId,
    key: str,
    token: str,
    policy: RetryPolicy,
) -> OutboundAttempt | None:
    """One more attempt of the write (commit before sending), or None while another worker
    holds a fresh claim or the write is finished."""
    return uow.outbound.claim(installation_id, key, token, _now(), policy.stale_after)


def fulfil_key(shipment_id: int) -> str:
    return f"fulfil-{shipment_id}"


def tracking_key(shipment_id: int, numbers: Iterable[str]) -> str:
    return f"tracking-{shipment_id}-{'|'.join(numbers)}"[:200]


def cancel_key(shipment_id: int) -> str:
    return f"cancel-{shipment_id}"


def begin_outbound(
    uow: UnitOfWork,
    installation_id: InstallationId,
    *,
    subject: Subject,
    subject_id: str | int,
    channel: str,
    key: str,
    token: str,
    policy: RetryPolicy,
) -> OutboundAttempt | None:
    """Record (or find again) a write the worker is about to try, reopen it when it was asked
    for again after it finished, and claim one attempt. Commit before calling the other side."""
    record_outbound(
        uow,
        installation_id,
        subject=subject,
        subject_id=subject_id,
        channel=channel,
        key=key,
        policy=policy,
        reopen=True,
    )
    return claim_outbound(uow, installation_id, key, token or uuid.uuid4().hex, policy)


def outbound_sent(uow: UnitOfWork, installation_id: InstallationId, key: str) -> None:
    uow.outbound.finish(installation_id, key, OutboundStatus.SENT, _now())


def outbound_failed(
    uow: UnitOfWork, installation_id: InstallationId, key: str, reason: str
) -> None:
    """Refused, or out of attempts: shown with the reason until the merchant retries."""
    uow.outbound.finish(installation_id, key, OutboundStatus.FAILED, _now(), reason)


def outbound_retrying(
    uow_factory: UnitOfWorkFactory,
    installation_id: InstallationId,
    attempt: OutboundAttempt,
    error: str,
    policy: RetryPolicy,
) -> None:
    """A temporary failure: the row shows the error and when the next try is (own transaction,
    since the caller raises for the task to retry)."""
    with uow_factory() as uow:
        uow.outbound.retry_later(
            installation_id,
            attempt.idempotency_key,
            error,
            _now() + policy.delay_after(attempt.attempts),
        )
        uow.commit()


def latest_outbound(
    uow: UnitOfWork,
    installation_id: InstallationId,
    subject: Subject,
    subject_ids: Iterable[str | int],
    channel: str | None = None,
) -> dict[str, OutboundAttempt]:
    """The newest write per subject (for the pages)."""
    found: dict[str, OutboundAttempt] = {}
    for attempt in uow.outbound.latest(
        installation_id, subject, [str(i) for i in subject_ids], channel
    ):
        found.setdefault(attempt.subject_id, attempt)
    return found


@dataclass(frozen=True)
class OrderWrites:
    """What the order's page shows of its outbound writes."""

    po_sends: dict[str, OutboundAttempt]  # newest send per PO id
    unfinished: list[OutboundAttempt]  # Saleor writes retrying or failed, newest first


def order_writes(
    uow: UnitOfWork,
    installation_id: InstallationId,
    order_id: str,
    po_ids: Iterable[int],
    shipment_ids: Iterable[int],
) -> OrderWrites:
    """The order's writes for its page: each PO's send, and the Saleor writes (notes and
    metadata, fulfilments, tracking, cancellations) that are retrying or failed."""
    sends = latest_outbound(uow, installation_id, Subject.PURCHASE_ORDER, po_ids)
    rows = uow.outbound.latest(installation_id, Subject.ORDER, [order_id])
    rows += uow.outbound.latest(installation_id, Subject.SHIPMENT, map(str, shipment_ids))
    newest: dict[tuple[str, str], OutboundAttempt] = {}
    for attempt in rows:  # newest first: a later write of the same kind supersedes
        newest.setdefault((attempt.subject_id, attempt.channel), attempt)
    unfinished = [
        a
        for a in newest.values()
        if a.status is OutboundStatus.FAILED or (a.is_open and a.attempts > 0)
    ]
    return OrderWrites(sends, unfinished)


# What the merchant's Retry queues for a failed Saleor write (the fulfilment itself is retried
# from its shipment, which says why Saleor refused it).
_RETRY_TASKS = {
    Channel.SALEOR_WRITE_BACK: (TaskName.WRITE_BACK_ORDER, "order_id"),
    Channel.SALEOR_TRACKING: (TaskName.UPDATE_TRACKING, "shipment_id"),
    Channel.SALEOR_CANCEL_FULFILMENT: (TaskName.CANCEL_SHIPMENT, "shipment_id"),
}


def can_retry_write(attempt: OutboundAttempt) -> bool:
    """A Saleor write that failed (refused, or out of attempts) and the widget may try again."""
    return attempt.status is OutboundStatus.FAILED and attempt.channel in _RETRY_TASKS


def retry_saleor_write(
    uow_factory: UnitOfWorkFactory, queue: TaskQueue, installation_id: InstallationId, key: str
) -> OutboundAttempt:
    """Try a failed Saleor write again with the same idempotency key (the widget's Retry)."""
    with uow_factory() as uow:
        attempt = uow.outbound.get_by_key(installation_id, key)
        if attempt is None:
            raise NotFound("This write does not exist.")
        if not can_retry_write(attempt):
            raise Invalid("Only a failed write to Saleor can be tried again.")
        task, argument = _RETRY_TASKS[Channel(attempt.channel)]
        subject: str | int = attempt.subject_id
        if argument == "shipment_id":
            subject = int(subject)
        uow.outbound.reopen(installation_id, key)
        arguments = {"installation_id": installation_id, argument: subject}
        uow.after_commit(lambda: queue.enqueue(task, **arguments))
        uow.commit()
    return attempt
