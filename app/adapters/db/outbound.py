"""Outbound attempts and order notes over SQLAlchemy Core (every call bound to an installation)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.adapters.db.utc import as_utc
from app.domain.installations import InstallationId, InstallationStatus
from app.domain.outbound import Channel, OutboundAttempt, OutboundStatus, Subject

_T = tables.outbound_attempts
_N = tables.order_notes


def _to_attempt(row: Any) -> OutboundAttempt:
    return OutboundAttempt(
        id=row.id,
        subject_kind=Subject(row.subject_kind),
        subject_id=row.subject_id,
        channel=row.channel,
        idempotency_key=row.idempotency_key,
        status=OutboundStatus(row.status),
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        created_at=as_utc(row.created_at),
        last_error=row.last_error,
        next_try_at=as_utc(row.next_try_at),
        claim_token=row.claim_token,
        claimed_at=as_utc(row.claimed_at),
        finished_at=as_utc(row.finished_at),
    )


class SqlOutboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _one(self, *conditions: Any) -> OutboundAttempt | None:
        row = self._connection.execute(select(_T).where(*conditions)).first()
        return None if row is None else _to_attempt(row)

    def record(
        self,
        installation_id: InstallationId,
        *,
        subject: Subject,
        subject_id: str,
        channel: str,
        key: str,
        max_attempts: int,
        now: datetime,
    ) -> OutboundAttempt:
        """Insert the write once per key; a second record of the same key returns the first."""
        self._connection.execute(
            insert_ignoring_conflicts(self._connection, _T).values(
                installation_id=installation_id,
                subject_kind=subject.value,
                subject_id=subject_id,
                channel=channel,
                idempotency_key=key,
                status=OutboundStatus.PENDING.value,
                attempts=0,
                max_attempts=max_attempts,
                created_at=now,
            )
        )
        found = self.get_by_key(installation_id, key)
        assert found is not None
        return found

    def get_by_key(self, installation_id: InstallationId, key: str) -> OutboundAttempt | None:
        return self._one(_T.c.installation_id == installation_id, _T.c.idempotency_key == key)

    def claim(
        self,
        installation_id: InstallationId,
        key: str,
        token: str,
        now: datetime,
        stale_after: timedelta,
    ) -> OutboundAttempt | None:
        """Take the write for one more attempt (committed before it is tried), or None when
        another worker holds a fresh claim or the write is finished."""
        result = self._connection.execute(
            update(_T)
            .where(
                _T.c.installation_id == installation_id,
                _T.c.idempotency_key == key,
                or_(
                    _T.c.status == OutboundStatus.PENDING.value,
                    and_(
                        _T.c.status == OutboundStatus.IN_FLIGHT.value,
                        or_(_T.c.claim_token == token, _T.c.claimed_at < now - stale_after),
                    ),
                ),
            )
            .values(
                status=OutboundStatus.IN_FLIGHT.value,
                attempts=_T.c.attempts + 1,
                claim_token=token,
                claimed_at=now,
                next_try_at=None,
            )
        )
        return self.get_by_key(installation_id, key) if result.rowcount == 1 else None

    def reopen(self, installation_id: InstallationId, key: str) -> None:
        """A failed write the merchant retries: same key, a fresh set of attempts."""
        self._set(
            installation_id,
            key,
            status=OutboundStatus.PENDING.value,
            attempts=0,
            finished_at=None,
            next_try_at=None,
        )

    def retry_later(
        self, installation_id: InstallationId, key: str, error: str, next_try_at: datetime | None
    ) -> None:
        self._set(
            installation_id,
            key,
            status=OutboundStatus.PENDING.value,
            last_error=error,
            next_try_at=next_try_at,
            claim_token=None,
        )

    def finish(
        self,
        installation_id: InstallationId,
        key: str,
        status: OutboundStatus,
        now: datetime,
        error: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status.value, "finished_at": now, "claim_token": None}
        if error is not None:
            values["last_error"] = error
        self._set(installation_id, key, **values)

    def _set(self, installation_id: InstallationId, key: str, **values: Any) -> None:
        self._connection.execute(
            update(_T)
            .where(_T.c.installation_id == installation_id, _T.c.idempotency_key == key)
            .values(**values)
        )

    def latest(
        self,
        installation_id: InstallationId,
        subject: Subject,
        subject_ids: Iterable[str],
        channel: str | None = None,
    ) -> list[OutboundAttempt]:
        """Every write about these subjects, newest first."""
        query = select(_T).where(
            _T.c.installation_id == installation_id,
            _T.c.subject_kind == subject.value,
            _T.c.subject_id.in_(list(subject_ids)),
        )
        if channel is not None:
            query = query.where(_T.c.channel == channel)
        return [
            _to_attempt(row) for row in self._connection.execute(query.order_by(_T.c.id.desc()))
        ]

    def lost_sends(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, str]]:
        """Every shop's PO sends whose task is gone: waiting, unclaimed, for longer than ``grace``
        past their time (recorded but never queued while the broker was down, or a retry that was
        lost), or claimed longer ago than ``stale_after`` by a worker that died holding the claim.
        Returns (shop, PO id)."""
        installations = tables.installations
        rows = self._connection.execute(
            select(_T.c.installation_id, _T.c.subject_id)
            .join(installations, installations.c.id == _T.c.installation_id)
            .where(
                installations.c.status == InstallationStatus.ACTIVE.value,
                _T.c.subject_kind == Subject.PURCHASE_ORDER.value,
                lost_or_stale(now, grace, stale_after),
            )
        )
        return [(InstallationId(row[0]), row[1]) for row in rows]

    def lost_saleor_changes(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, Channel, str]]:
        """Every shop's tracking corrections and fulfilment cancellations whose task is gone
        (see ``lost_sends``). Returns (shop, channel, shipment id)."""
        installations = tables.installations
        channels = (Channel.SALEOR_TRACKING.value, Channel.SALEOR_CANCEL_FULFILMENT.value)
        rows = self._connection.execute(
            select(_T.c.installation_id, _T.c.channel, _T.c.subject_id)
            .join(installations, installations.c.id == _T.c.installation_id)
            .where(
                installations.c.status == InstallationStatus.ACTIVE.value,
                _T.c.channel.in_(channels),
                lost_or_stale(now, grace, stale_after),
            )
        )
        return [(InstallationId(row[0]), Channel(row[1]), row[2]) for row in rows]


def lost_or_stale(now: datetime, grace: timedelta, stale_after: timedelta) -> Any:
    """An outbound row no task carries any more: pending past ``grace``, or in flight under a
    claim older than ``stale_after`` (its worker died; the broker's redelivery of that task may
    have come before the claim went stale, found it held and ended)."""
    return or_(
        and_(
            _T.c.status == OutboundStatus.PENDING.value,
            func.coalesce(_T.c.next_try_at, _T.c.created_at) < now - grace,
        ),
        and_(
            _T.c.status == OutboundStatus.IN_FLIGHT.value,
            _T.c.claimed_at < now - stale_after,
        ),
    )


class SqlNoteRepository:
    """Insert-only notes for the Saleor order; marked sent when Saleor accepted them."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self, installation_id: InstallationId, saleor_order_id: str, text: str, now: datetime
    ) -> None:
        self._connection.execute(
            _N.insert().values(
                installation_id=installation_id,
                saleor_order_id=saleor_order_id,
                text=text,
                created_at=now,
            )
        )

    def attach_unsent(
        self, installation_id: InstallationId, saleor_order_id: str, outbound_id: int
    ) -> int:
        """Give every note no write-back carries yet to ``outbound_id``; how many it took.

        On PostgreSQL a concurrent write-back waits on the rows and then finds none left."""
        result = self._connection.execute(
            update(_N)
            .where(
                _N.c.installation_id == installation_id,
                _N.c.saleor_order_id == saleor_order_id,
                _N.c.outbound_id.is_(None),
                _N.c.sent_at.is_(None),
            )
            .values(outbound_id=outbound_id)
        )
        return int(result.rowcount)

    def carried_by(self, installation_id: InstallationId, outbound_id: int) -> list[str]:
        rows = self._connection.execute(
            select(_N.c.text)
            .where(_N.c.installation_id == installation_id, _N.c.outbound_id == outbound_id)
            .order_by(_N.c.id)
        )
        return [row[0] for row in rows]

    def mark_sent(self, installation_id: InstallationId, outbound_id: int, now: datetime) -> None:
        self._connection.execute(
            update(_N)
            .where(_N.c.installation_id == installation_id, _N.c.outbound_id == outbound_id)
            .values(sent_at=now)
        )

    def unsent(self, installation_id: InstallationId, saleor_order_id: str) -> list[str]:
        rows = self._connection.execute(
            select(_N.c.text)
            .where(
                _N.c.installation_id == installation_id,
                _N.c.saleor_order_id == saleor_order_id,
                _N.c.sent_at.is_(None),
            )
            .order_by(_N.c.id)
        )
        return [row[0] for row in rows]

    def orders_waiting(self, now: datetime, grace: timedelta) -> list[tuple[InstallationId, str]]:
        """Every shop's orders with notes that no live write-back carries: never queued, or
        carried by a write-back whose retry or claim is older than ``grace`` (a lost task)."""
        installations = tables.installations
        overdue = func.coalesce(_T.c.next_try_at, _T.c.claimed_at, _T.c.created_at) < now - grace
        rows = self._connection.execute(
            select(_N.c.installation_id, _N.c.saleor_order_id)
            .distinct()
            .join(installations, installations.c.id == _N.c.installation_id)
            .outerjoin(_T, _T.c.id == _N.c.outbound_id)
            .where(
                installations.c.status == InstallationStatus.ACTIVE.value,
                _N.c.sent_at.is_(None),
                or_(
                    _N.c.outbound_id.is_(None),
                    and_(
                        _T.c.status.in_(
                            [OutboundStatus.PENDING.value, OutboundStatus.IN_FLIGHT.value]
                        ),
                        overdue,
                    ),
                ),
            )
        )
        return [(InstallationId(row[0]), row[1]) for row in rows]
