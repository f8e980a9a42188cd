"""Automation rules and each order's automatic state in SQL (every query by installation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from app.adapters.db import tables
from app.adapters.db.repositories import insert_ignoring_conflicts
from app.adapters.db.utc import as_utc
from app.domain.automation import AutomationRules, HoldReason
from app.domain.installations import InstallationId


def rules_from_values(values: dict[str, Any]) -> AutomationRules:
    try:
        max_total = Decimal(str(values["max_total"])) if values.get("max_total") else None
    except InvalidOperation:
        max_total = None
    return AutomationRules(
        paused=bool(values.get("paused", False)),
        charge_automatically=bool(values.get("charge_automatically", False)),
        hold_minutes=int(values.get("hold_minutes") or 0),
        max_total=max_total,
        vendors_needing_approval=frozenset(
            int(v) for v in values.get("vendors_needing_approval") or ()
        ),
    )


def rules_values(rules: AutomationRules) -> dict[str, Any]:
    return {
        "paused": rules.paused,
        "charge_automatically": rules.charge_automatically,
        "hold_minutes": rules.hold_minutes,
        "max_total": str(rules.max_total) if rules.max_total is not None else None,
        "vendors_needing_approval": sorted(rules.vendors_needing_approval),
    }


@dataclass(frozen=True)
class AutomationOrderState:
    """What automation last decided for an order."""

    order_id: str
    step: str
    reasons: tuple[HoldReason, ...]
    held_by_merchant: bool
    next_check_at: datetime | None
    updated_at: datetime


def _state(row: Any) -> AutomationOrderState:
    known = {reason.value for reason in HoldReason}
    updated_at = as_utc(row.updated_at)
    assert updated_at is not None
    return AutomationOrderState(
        order_id=row.saleor_order_id,
        step=row.step,
        reasons=tuple(HoldReason(r) for r in row.reasons or () if r in known),
        held_by_merchant=bool(row.held_by_merchant),
        next_check_at=as_utc(row.next_check_at),
        updated_at=updated_at,
    )


class SqlAutomationRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def rules(self, installation_id: InstallationId) -> AutomationRules:
        table = tables.automation_settings
        row = self._connection.execute(
            select(table.c["values"]).where(table.c.installation_id == installation_id)
        ).first()
        return AutomationRules() if row is None else rules_from_values(row[0] or {})

    def save_rules(self, installation_id: InstallationId, rules: AutomationRules) -> None:
        table = tables.automation_settings
        now = datetime.now(UTC)
        self._connection.execute(
            insert_ignoring_conflicts(self._connection, table).values(
                installation_id=installation_id, values={}, updated_at=now
            )
        )
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id)
            .values({"values": rules_values(rules), "updated_at": now})
        )

    def _ensure(self, installation_id: InstallationId, order_id: str, now: datetime) -> None:
        self._connection.execute(
            insert_ignoring_conflicts(self._connection, tables.automation_orders).values(
                installation_id=installation_id,
                saleor_order_id=order_id[:200],
                step="new",
                reasons=[],
                held_by_merchant=False,
                updated_at=now,
            )
        )

    def _where(self, installation_id: InstallationId, order_id: str) -> Any:
        table = tables.automation_orders
        return and_(table.c.installation_id == installation_id, table.c.saleor_order_id == order_id)

    def get(self, installation_id: InstallationId, order_id: str) -> AutomationOrderState | None:
        table = tables.automation_orders
        row = self._connection.execute(
            select(table).where(self._where(installation_id, order_id))
        ).first()
        return None if row is None else _state(row)

    def claim(
        self, installation_id: InstallationId, order_id: str, now: datetime, until: datetime
    ) -> bool:
        """Lease the order to this run unless another run holds an unexpired lease."""
        self._ensure(installation_id, order_id, now)
        table = tables.automation_orders
        claimed = self._connection.execute(
            update(table)
            .where(
                self._where(installation_id, order_id),
                or_(table.c.leased_until.is_(None), table.c.leased_until < now),
            )
            .values(leased_until=until)
        )
        return claimed.rowcount == 1

    def record(
        self,
        installation_id: InstallationId,
        order_id: str,
        *,
        step: str,
        reasons: tuple[HoldReason, ...],
        next_check_at: datetime | None,
        now: datetime,
    ) -> None:
        """What this run decided; the lease ends."""
        table = tables.automation_orders
        self._connection.execute(
            update(table)
            .where(self._where(installation_id, order_id))
            .values(
                step=step,
                reasons=[r.value for r in reasons],
                next_check_at=next_check_at,
                leased_until=None,
                updated_at=now,
            )
        )

    def set_held(
        self, installation_id: InstallationId, order_id: str, held: bool, now: datetime
    ) -> None:
        self._ensure(installation_id, order_id, now)
        table = tables.automation_orders
        self._connection.execute(
            update(table)
            .where(self._where(installation_id, order_id))
            .values(held_by_merchant=held, updated_at=now)
        )

    def due(self, now: datetime, limit: int = 500) -> list[tuple[InstallationId, str]]:
        """Orders whose next look is due (the hold window ended, or a periodic recheck)."""
        table = tables.automation_orders
        rows = self._connection.execute(
            select(table.c.installation_id, table.c.saleor_order_id)
            .where(table.c.next_check_at <= now)
            .order_by(table.c.next_check_at)
            .limit(limit)
        )
        return [(InstallationId(row[0]), row[1]) for row in rows]

    def needs_attention(
        self, installation_id: InstallationId, limit: int = 200
    ) -> list[tuple[AutomationOrderState, str]]:
        """Held orders, newest first, with their order numbers."""
        table, orders = tables.automation_orders, tables.orders
        rows = self._connection.execute(
            select(table, orders.c.number)
            .join(
                orders,
                and_(
                    orders.c.installation_id == table.c.installation_id,
                    orders.c.saleor_order_id == table.c.saleor_order_id,
                ),
            )
            .where(table.c.installation_id == installation_id, table.c.step == "hold")
            .order_by(table.c.updated_at.desc())
            .limit(limit)
        )
        return [(_state(row), row.number) for row in rows]
