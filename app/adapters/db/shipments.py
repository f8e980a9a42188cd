"""The shipment repository, per installation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, cast, func, insert, literal, select, update

from app.adapters.db import tables
from app.adapters.db.outbound import lost_or_stale
from app.domain.installations import InstallationId, InstallationStatus
from app.domain.shipments import Carrier, Shipment, ShipmentLine, ShipmentSource, ShipmentStatus


class SqlShipmentRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, installation_id: InstallationId, shipment: Shipment) -> Shipment:
        table = tables.shipments
        shipment.created_at = shipment.created_at or datetime.now(UTC)
        shipment.id = int(
            self._connection.execute(
                insert(table)
                .values(
                    installation_id=installation_id,
                    purchase_order_id=shipment.purchase_order_id,
                    saleor_order_id=shipment.saleor_order_id,
                    split_by_package=shipment.split_by_package,
                    source=shipment.source.value,
                    created_by=shipment.created_by,
                    created_at=shipment.created_at,
                    **self._state(shipment),
                )
                .returning(table.c.id)
            ).scalar_one()
        )
        self._connection.execute(
            insert(tables.shipment_lines),
            [
                {
                    "installation_id": installation_id,
                    "shipment_id": shipment.id,
                    "order_line_id": line.order_line_id,
                    "quantity": line.quantity,
                    "package": line.package,
                }
                for line in shipment.lines
            ],
        )
        self._keep_shipping_figures(installation_id, shipment.purchase_order_id)
        return shipment

    def _keep_shipping_figures(self, installation_id: InstallationId, po_id: int) -> None:
        """The PO's first shipment not cancelled and its short-shipped lines (some of the
        line shipped, not all), kept on the PO for the reports."""
        shipments, shipped_lines = tables.shipments, tables.shipment_lines
        pos, po_lines = tables.purchase_orders, tables.po_lines
        counted = and_(
            shipments.c.purchase_order_id == po_id,
            shipments.c.status != ShipmentStatus.CANCELLED.value,
        )
        first = select(func.min(shipments.c.created_at)).where(counted).scalar_subquery()
        shipped = (
            select(shipped_lines.c.order_line_id, func.sum(shipped_lines.c.quantity).label("q"))
            .join(shipments, shipments.c.id == shipped_lines.c.shipment_id)
            .where(counted)
            .group_by(shipped_lines.c.order_line_id)
            .subquery()
        )
        short = (
            select(func.count())
            .select_from(po_lines)
            .join(shipped, shipped.c.order_line_id == po_lines.c.order_line_id)
            .where(
                po_lines.c.purchase_order_id == po_id,
                shipped.c.q > 0,
                shipped.c.q < po_lines.c.quantity,
            )
            .scalar_subquery()
        )
        self._connection.execute(
            update(pos)
            .where(pos.c.installation_id == installation_id, pos.c.id == po_id)
            .values(first_shipment_at=first, short_lines=short)
        )

    @staticmethod
    def _state(shipment: Shipment) -> dict[str, Any]:
        carrier = shipment.carrier
        return {
            "carrier_code": carrier.code if carrier else None,
            "carrier_name": carrier.name if carrier else None,
            "tracking_url": carrier.tracking_url if carrier else None,
            "tracking_numbers": list(shipment.tracking_numbers),
            "status": shipment.status.value,
            "failure_reason": shipment.failure_reason,
            "write_attempts": shipment.write_attempts,
            "fulfillment_ids": list(shipment.fulfillment_ids),
        }

    def save(self, installation_id: InstallationId, shipment: Shipment) -> None:
        table = tables.shipments
        self._connection.execute(
            update(table)
            .where(table.c.installation_id == installation_id, table.c.id == shipment.id)
            .values(**self._state(shipment))
        )
        if shipment.status is ShipmentStatus.CANCELLED:
            self._keep_shipping_figures(installation_id, shipment.purchase_order_id)

    def get(self, installation_id: InstallationId, shipment_id: int) -> Shipment | None:
        table = tables.shipments
        rows = self._connection.execute(
            select(table).where(
                table.c.installation_id == installation_id, table.c.id == shipment_id
            )
        ).all()
        loaded = self._load(rows)
        return loaded[0] if loaded else None

    def list_for_order(
        self, installation_id: InstallationId, saleor_order_id: str
    ) -> list[Shipment]:
        table = tables.shipments
        rows = self._connection.execute(
            select(table)
            .where(
                table.c.installation_id == installation_id,
                table.c.saleor_order_id == saleor_order_id,
            )
            .order_by(table.c.id)
        ).all()
        return self._load(rows)

    def _load(self, rows: Sequence[Any]) -> list[Shipment]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        lines: dict[int, list[ShipmentLine]] = {shipment_id: [] for shipment_id in ids}
        for line in self._connection.execute(
            select(tables.shipment_lines)
            .where(tables.shipment_lines.c.shipment_id.in_(ids))
            .order_by(tables.shipment_lines.c.id)
        ):
            lines[line.shipment_id].append(
                ShipmentLine(line.order_line_id, line.quantity, line.package)
            )
        return [
            Shipment(
                id=row.id,
                purchase_order_id=row.purchase_order_id,
                saleor_order_id=row.saleor_order_id,
                tracking_numbers=tuple(row.tracking_numbers),
                lines=lines[row.id],
                carrier=(
                    Carrier(
                        row.carrier_code, row.carrier_name or row.carrier_code, row.tracking_url
                    )
                    if row.carrier_code
                    else None
                ),
                source=ShipmentSource(row.source),
                created_by=row.created_by,
                created_at=row.created_at,
                status=ShipmentStatus(row.status),
                failure_reason=row.failure_reason,
                write_attempts=row.write_attempts,
                fulfillment_ids=tuple(row.fulfillment_ids),
                split_by_package=row.split_by_package,
            )
            for row in rows
        ]

    def lost_writes(
        self, now: datetime, grace: timedelta, stale_after: timedelta
    ) -> list[tuple[InstallationId, int]]:
        """Every shop's shipments still to be written whose write no task carries any more, older
        than ``grace``: recorded while the broker was down (their task was never queued), a retry
        whose task was lost (the outbound row pending past ``grace``), or a write claimed longer
        ago than ``stale_after`` by a worker that died."""
        table, attempts = tables.shipments, tables.outbound_attempts
        installations = tables.installations
        carried = select(attempts.c.id).where(
            attempts.c.installation_id == table.c.installation_id,
            attempts.c.idempotency_key == literal("fulfil-") + cast(table.c.id, String),
            ~lost_or_stale(now, grace, stale_after),
        )
        rows = self._connection.execute(
            select(table.c.installation_id, table.c.id)
            .join(installations, installations.c.id == table.c.installation_id)
            .where(
                installations.c.status == InstallationStatus.ACTIVE.value,
                table.c.status == ShipmentStatus.PENDING.value,
                table.c.created_at < now - grace,
                ~carried.exists(),
            )
        )
        return [(InstallationId(row[0]), int(row[1])) for row in rows]
