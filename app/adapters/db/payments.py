"""Charge and void attempts over SQLAlchemy Core (every call bound to an installation)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.domain.installations import InstallationId
from app.domain.payments import IN_FLIGHT, AttemptStatus, PaymentAction, PaymentAttempt

_T = tables.payment_attempts
_IN_FLIGHT = [status.value for status in IN_FLIGHT]


def _to_attempt(row: Any) -> PaymentAttempt:
    known = row.known_event_ids
    return PaymentAttempt(
        id=row.id,
        order_id=row.saleor_order_id,
        action=PaymentAction(row.action),
        status=AttemptStatus(row.status),
        requested_by=row.requested_by,
        created_at=row.created_at,
        transaction_id=row.transaction_id,
        amount=None if row.amount is None else Decimal(row.amount),
        currency=row.currency,
        message=row.message,
        psp_reference=row.psp_reference,
        known_event_ids=None if known is None else tuple(str(k) for k in known),
        requested_at=row.requested_at,
        finished_at=row.finished_at,
        checked_at=row.checked_at,
        email_sent_at=row.email_sent_at,
        email_sent_to=row.email_sent_to,
    )


class SqlPaymentAttemptRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def start(
        self,
        installation_id: InstallationId,
        order_id: str,
        action: PaymentAction,
        requested_by: str,
        now: datetime,
    ) -> PaymentAttempt | None:
        """A new in-flight attempt, or None when one is already in flight for the order and
        action (the partial unique index decides, also between concurrent transactions)."""
        inserted = self._connection.execute(
            insert_ignoring_conflicts(self._connection, _T)
            .values(
                installation_id=installation_id,
                saleor_order_id=order_id,
                action=action.value,
                status=AttemptStatus.REQUESTING.value,
                requested_by=requested_by[:320],
                created_at=now,
            )
            .returning(_T.c.id)
        ).first()
        if inserted is None:
            return None
        return self.get(installation_id, inserted.id)

    def in_flight(
        self, installation_id: InstallationId, order_id: str, action: PaymentAction
    ) -> PaymentAttempt | None:
        row = self._connection.execute(
            select(_T).where(
                _T.c.installation_id == installation_id,
                _T.c.saleor_order_id == order_id,
                _T.c.action == action.value,
                _T.c.status.in_(_IN_FLIGHT),
            )
        ).first()
        return None if row is None else _to_attempt(row)

    def get(self, installation_id: InstallationId, attempt_id: int) -> PaymentAttempt | None:
        row = self._connection.execute(
            select(_T).where(_T.c.installation_id == installation_id, _T.c.id == attempt_id)
        ).first()
        return None if row is None else _to_attempt(row)

    def list_for_order(
        self, installation_id: InstallationId, order_id: str
    ) -> list[PaymentAttempt]:
        """Newest first."""
        rows = self._connection.execute(
            select(_T)
            .where(_T.c.installation_id == installation_id, _T.c.saleor_order_id == order_id)
            .order_by(_T.c.id.desc())
        )
        return [_to_attempt(row) for row in rows]

    def all_in_flight(self, limit: int = 500) -> list[tuple[InstallationId, int]]:
        """(installation, attempt) of every attempt still in flight, oldest check first."""
        rows = self._connection.execute(
            select(_T.c.installation_id, _T.c.id)
            .where(_T.c.status.in_(_IN_FLIGHT))
            .order_by(_T.c.id)
            .limit(limit)
        )
        return [(InstallationId(row.installation_id), row.id) for row in rows]

    def update(
        self,
        installation_id: InstallationId,
        attempt_id: int,
        *,
        only_in_flight: bool = True,
        requested_before: datetime | None = None,
        **values: Any,
    ) -> bool:
        """Set columns of an attempt; by default only while it is in flight (so two followers
        never both finish it); with ``requested_before``, only if its request is older (so two
        followers never both ask again). Returns whether a row changed."""
        if "status" in values:
            values["status"] = AttemptStatus(values["status"]).value
        if isinstance(values.get("known_event_ids"), tuple | frozenset | list):
            values["known_event_ids"] = sorted(values["known_event_ids"])
        conditions = [_T.c.installation_id == installation_id, _T.c.id == attempt_id]
        if only_in_flight:
            conditions.append(_T.c.status.in_(_IN_FLIGHT))
        if requested_before is not None:
            conditions.append(_T.c.requested_at < requested_before)
        result = self._connection.execute(update(_T).where(*conditions).values(**values))
        return bool(result.rowcount)
