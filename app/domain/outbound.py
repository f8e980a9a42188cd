"""Outbound writes: every message or mutation the app sends out, as one row with a state.

Modelled on Saleor core's EventDelivery / EventDeliveryAttempt: a write is recorded before its
first try, keeps one idempotency key through all its retries, and its state is shown to the
merchant ("sending, attempt 2 of 6", "send failed: ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class OutboundStatus(StrEnum):
    PENDING = "pending"  # recorded, waiting for its first try or for a retry
    IN_FLIGHT = "in_flight"  # a worker holds the claim and is sending it now
    SENT = "sent"  # the other side accepted it
    FAILED = "failed"  # refused, or retries exhausted: shown with the reason

    @property
    def is_finished(self) -> bool:
        return self in (OutboundStatus.SENT, OutboundStatus.FAILED)


class Channel(StrEnum):
    """Where a write goes. Vendor channels are named after the vendor's integration kind."""

    EMAIL = "email"
    SALEOR_WRITE_BACK = "saleor.write_back"
    SALEOR_FULFIL = "saleor.fulfil"
    SALEOR_TRACKING = "saleor.tracking"
    SALEOR_CANCEL_FULFILMENT = "saleor.cancel_fulfilment"
    SALEOR_CANCEL_ORDER = "saleor.cancel_order"


class Subject(StrEnum):
    PURCHASE_ORDER = "purchase_order"
    ORDER = "order"
    SHIPMENT = "shipment"


@dataclass(frozen=True)
class OutboundAttempt:
    id: int
    subject_kind: Subject
    subject_id: str
    channel: str
    idempotency_key: str
    status: OutboundStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    last_error: str | None = None
    next_try_at: datetime | None = None
    claim_token: str | None = None
    claimed_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Not yet accepted nor given up: a new request for the same write must wait for it."""
        return not self.status.is_finished

    @property
    def sending_since(self) -> datetime | None:
        return self.claimed_at if self.status is OutboundStatus.IN_FLIGHT else None

    @property
    def retry_at(self) -> datetime | None:
        return self.next_try_at if self.status is OutboundStatus.PENDING else None

    def is_claimable(self, now: datetime, stale_after: timedelta) -> bool:
        """Pending, or in flight with a claim older than ``stale_after`` (a crashed worker)."""
        if self.status is OutboundStatus.PENDING:
            return True
        claimed = self.claimed_at
        return self.status is OutboundStatus.IN_FLIGHT and (
            claimed is None or claimed < now - stale_after
        )
