"""The purchase-order repository: POs with their lines and history, per installation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from app.adapters.db import tables
from app.adapters.db.po_changes_json import changes_from_json, changes_json
from app.adapters.db.utc import as_utc
from app.adapters.saleor.parsing import address_json, parse_address
from app.domain.installations import InstallationId
from app.domain.money import Money
from app.domain.orders import Address
from app.domain.purchase_orders import (
    AWAITING_SHIPMENT,
    POEvent,
    POLine,
    POStatus,
    PurchaseOrder,
)
from app.domain.vendor_answers import LineAnswer, LineResponse
from app.domain.vendor_reminders import REMINDER_SENT, ReminderKind


def _figures(po: PurchaseOrder) -> dict[str, Any]:
    """The reports' figures of a new PO's lines (they do not change afterwards)."""
    priced = [
        line
        for line in po.lines
        if line.unit_price is not None and line.unit_price.currency == po.currency
    ]
    return {
        "line_count": len(po.lines),
        "cost_total": sum((line.unit_cost.amount * line.quantity for line in po.lines), Decimal(0)),
        "revenue_total": sum(
            (line.unit_price.amount * line.quantity for line in priced if line.unit_price),
            Decimal(0),
        ),
        "all_priced": len(priced) == len(po.lines),
    }


def _first(po: PurchaseOrder, action: str) -> datetime | None:
    """When the PO's history first records ``action`` (the reports' figures)."""
    return min((as_utc(e.at) for e in po.events if e.action == action), default=None)


class SqlPurchaseOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, installation_id: InstallationId, po: PurchaseOrder) -> PurchaseOrder:
        table = tables.purchase_orders
        po.created_at = po.created_at or datetime.now(UTC)
        po.id = int(
            self._connection.execute(
                insert(table)
                .values(
                    installation_id=installation_id,
                    saleor_order_id=po.saleor_order_id,
                    order_number=po.order_number,
                    vendor_id=po.vendor_id,
                    vendor_name=po.vendor_name,
                    number=po.number,
                    sequence=po.sequence,
                    currency=po.currency,
                    customer_email=po.customer_email,
                    created_at=po.created_at,
                    requested_service=po.requested_service,
                    ship_by=po.ship_by,
                    **_figures(po),
                    **self._state(po),
                )
                .returning(table.c.id)
            ).scalar_one()
        )
        self._connection.execute(
            insert(tables.po_lines),
            [
                {
                    "installation_id": installation_id,
                    "purchase_order_id": po.id,
                    "order_line_id": line.order_line_id,
                    "sku": line.sku,
                    "vendor_sku": line.vendor_sku,
                    "product_name": line.product_name,
                    "variant_name": line.variant_name,
                    "quantity": line.quantity,
                    "unit_cost": line.unit_cost.amount,
                    "unit_price": line.unit_price.amount if line.unit_price else None,
                    "price_currency": line.unit_price.currency if line.unit_price else None,
                    "is_open": po.status.is_open,
                }
                for line in po.lines
            ],
        )
        self._add_events(installation_id, po, 0)
        return po

    @staticmethod
    def _state(po: PurchaseOrder) -> dict[str, Any]:
        return {
            "status": po.status.value,
            "sent_at": po.sent_at,
            "sent_via": po.sent_via,
            "failure_reason": po.failure_reason,
            "revision": po.revision,
            "shipping_cost": po.shipping_cost.amount if po.shipping_cost else None,
            "due_at": po.due_at,
            "ship_to": address_json(po.ship_to),
            "changes": changes_json(po.changes),
            "amendment": changes_json(po.amendment),
            "amended_revision": po.amended_revision,
            "acknowledged_at": _first(po, POStatus.ACKNOWLEDGED.value),
            "shipped_at": _first(po, "shipped"),
        }

    def _add_events(self, installation_id: InstallationId, po: PurchaseOrder, stored: int) -> None:
        new = po.events[stored:]
        if new:
            self._connection.execute(
                insert(tables.po_events),
                [
                    {
                        "installation_id": installation_id,
                        "purchase_order_id": po.id,
                        "at": event.at,
                        "actor": event.actor,
                        "action": event.action,
                        "detail": event.detail,
                    }
                    for event in new
                ],
            )

    def save(self, installation_id: InstallationId, po: PurchaseOrder) -> None:
        """Store the PO's new state and the history entries added since it was loaded."""
        table, events = tables.purchase_orders, tables.po_events
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id, table.c.id == po.id)
            .values(**self._state(po))
        )
        if not po.status.is_open:
            self._connection.execute(
                update(tables.po_lines)
                .where(
                    tables.po_lines.c.installation_id == installation_id,
                    tables.po_lines.c.purchase_order_id == po.id,
                )
                .values(is_open=False)
            )
        stored = self._connection.execute(
            select(func.count()).where(events.c.purchase_order_id == po.id)
        ).scalar_one()
        self._add_events(installation_id, po, int(stored))
        if po.line_answers:
            self._save_line_answers(installation_id, po)

    def _save_line_answers(self, installation_id: InstallationId, po: PurchaseOrder) -> None:
        answers = tables.po_line_answers
        self._connection.execute(
            delete(answers).where(
                answers.c.installation_id == installation_id,
                answers.c.purchase_order_id == po.id,
            )
        )
        self._connection.execute(
            insert(answers),
            [
                {
                    "installation_id": installation_id,
                    "purchase_order_id": po.id,
                    "order_line_id": response.order_line_id,
                    "answer": response.answer.value,
                    "expected_date": response.expected_date,
                    "reason": response.reason,
                }
                for response in po.line_answers.values()
            ],
        )

    def save_line_quantities(self, installation_id: InstallationId, po: PurchaseOrder) -> None:
        """Store the PO lines' quantities (an amendment changed them; 0: cancelled on the PO)."""
        lines = tables.po_lines
        for line in po.lines:
            self._connection.execute(
                update(lines)
                .where(
                    lines.c.installation_id == installation_id,
                    lines.c.purchase_order_id == po.id,
                    lines.c.order_line_id == line.order_line_id,
                )
                .values(quantity=line.quantity)
            )

    def get(self, installation_id: InstallationId, po_id: int) -> PurchaseOrder | None:
        table = tables.purchase_orders
        row = self._connection.execute(
            select(table).where(table.c.installation_id == installation_id, table.c.id == po_id)
        ).first()
        return None if row is None else self._load([row])[0]

    def get_for_update(self, installation_id: InstallationId, po_id: int) -> PurchaseOrder | None:
        """Like get, but holds a row lock on PostgreSQL until the transaction ends."""
        table = tables.purchase_orders
        query = select(table).where(table.c.installation_id == installation_id, table.c.id == po_id)
        if self._connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._connection.execute(query).first()
        return None if row is None else self._load([row])[0]

    def list_for_order(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> list[PurchaseOrder]:
        table = tables.purchase_orders
        rows = self._connection.execute(
            select(table)
            .where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
            .order_by(table.c.sequence)
        ).all()
        return self._load(rows)

    def find_by_number(self, installation_id: InstallationId, number: str) -> PurchaseOrder | None:
        table = tables.purchase_orders
        rows = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id, table.c.number == number
            )
        ).all()
        loaded = self._load(rows)
        return loaded[0] if loaded else None

    def list_by_order_number(
        self, installation_id: InstallationId, order_number: str
    ) -> list[PurchaseOrder]:
        table = tables.purchase_orders
        rows = self._connection.execute(
            select(table)
            .where(table.c.installation_id == installation_id, table.c.order_number == order_number)
            .order_by(table.c.sequence)
        ).all()
        return self._load(rows)

    def quantity_on_open_pos(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> dict[str, int]:
        lines, pos = tables.po_lines, tables.purchase_orders
        rows = self._connection.execute(
            select(lines.c.order_line_id, func.sum(lines.c.quantity))
            .join(pos, pos.c.id == lines.c.purchase_order_id)
            .where(
                lines.c.installation_id == installation_id,
                pos.c.saleor_order_id == saleor_order_id,
                lines.c.is_open.is_(True),
            )
            .group_by(lines.c.order_line_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    def awaiting_vendor(
        self,
        installation_id: InstallationId,
        sent_before: datetime,
        due_before: datetime,
        limit: int,
    ) -> list[PurchaseOrder]:
        table, events = tables.purchase_orders, tables.po_events
        reminded = (
            select(events.c.id)
            .where(events.c.purchase_order_id == table.c.id, events.c.action == REMINDER_SENT)
            .correlate(table)
        )
        shipment_reminded = reminded.where(events.c.detail.like(f"{ReminderKind.SHIPMENT}%"))
        rows = self._connection.execute(
            select(table)
            .where(
                table.c.installation_id == installation_id,
                table.c.status.in_([status.value for status in AWAITING_SHIPMENT]),
                or_(
                    and_(
                        table.c.status == POStatus.SENT.value,
                        table.c.sent_at < sent_before,
                        ~reminded.exists(),
                    ),
                    and_(table.c.due_at < due_before, ~shipment_reminded.exists()),
                ),
            )
            .order_by(table.c.sent_at, table.c.id)
            .limit(limit)
        ).all()
        return self._load(rows)

    def next_sequence(self, installation_id: InstallationId, saleor_order_id: str) -> int:
        table = tables.purchase_orders
        highest = self._connection.execute(
            select(func.max(table.c.sequence)).where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
        ).scalar()
        return int(highest or 0) + 1

    def _load(self, rows: Sequence[Any]) -> list[PurchaseOrder]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        lines: dict[int, list[POLine]] = {po_id: [] for po_id in ids}
        events: dict[int, list[POEvent]] = {po_id: [] for po_id in ids}
        currency = {row.id: row.currency for row in rows}
        for line in self._connection.execute(
            select(tables.po_lines)
            .where(tables.po_lines.c.purchase_order_id.in_(ids))
            .order_by(tables.po_lines.c.id)
        ):
            lines[line.purchase_order_id].append(
                POLine(
                    order_line_id=line.order_line_id,
                    sku=line.sku,
                    vendor_sku=line.vendor_sku,
                    product_name=line.product_name,
                    variant_name=line.variant_name,
                    quantity=line.quantity,
                    unit_cost=Money(Decimal(line.unit_cost), currency[line.purchase_order_id]),
                    unit_price=(
                        Money(Decimal(line.unit_price), line.price_currency)
                        if line.unit_price is not None and line.price_currency
                        else None
                    ),
                )
            )
        answers: dict[int, dict[str, LineResponse]] = {po_id: {} for po_id in ids}
        for answer in self._connection.execute(
            select(tables.po_line_answers).where(
                tables.po_line_answers.c.purchase_order_id.in_(ids)
            )
        ):
            answers[answer.purchase_order_id][answer.order_line_id] = LineResponse(
                answer.order_line_id, LineAnswer(answer.answer), answer.expected_date, answer.reason
            )
        for event in self._connection.execute(
            select(tables.po_events)
            .where(tables.po_events.c.purchase_order_id.in_(ids))
            .order_by(tables.po_events.c.id)
        ):
            events[event.purchase_order_id].append(
                POEvent(event.at, event.actor, event.action, event.detail)
            )
        return [
            PurchaseOrder(
                id=row.id,
                number=row.number,
                sequence=row.sequence,
                saleor_order_id=row.saleor_order_id,
                order_number=row.order_number,
                vendor_id=row.vendor_id,
                vendor_name=row.vendor_name,
                currency=row.currency,
                ship_to=parse_address(row.ship_to) or Address(),
                customer_email=row.customer_email,
                lines=lines[row.id],
                status=POStatus(row.status),
                created_at=as_utc(row.created_at),
                sent_at=as_utc(row.sent_at),
                sent_via=row.sent_via,
                failure_reason=row.failure_reason,
                revision=row.revision,
                due_at=as_utc(row.due_at),
                events=events[row.id],
                line_answers=answers[row.id],
                requested_service=row.requested_service,
                ship_by=row.ship_by,
                shipping_cost=(
                    None
                    if row.shipping_cost is None
                    else Money(Decimal(row.shipping_cost), row.currency)
                ),
                changes=changes_from_json(row.changes),
                amendment=changes_from_json(row.amendment),
                amended_revision=row.amended_revision,
            )
            for row in rows
        ]
