"""The PO list, late POs and margins: due date of each sent PO, the list's indexes, the
customer's price on each PO line (issue 16)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:30:00
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("purchase_orders", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_purchase_orders_listing", "purchase_orders", ["installation_id", "created_at", "id"]
    )
    op.create_index(
        "ix_purchase_orders_status_listing",
        "purchase_orders",
        ["installation_id", "status", "created_at", "id"],
    )
    op.create_index("ix_purchase_orders_due", "purchase_orders", ["installation_id", "due_at"])
    op.create_index(
        "ix_purchase_orders_order_number", "purchase_orders", ["installation_id", "order_number"]
    )
    op.create_index(
        "ix_purchase_orders_vendor_listing",
        "purchase_orders",
        ["installation_id", "vendor_name", "id"],
    )
    op.create_index("ix_po_lines_sku", "po_lines", ["installation_id", "sku"])
    op.create_index("ix_po_lines_vendor_sku", "po_lines", ["installation_id", "vendor_sku"])
    op.add_column("po_lines", sa.Column("unit_price", sa.Numeric(14, 4), nullable=True))
    op.add_column("po_lines", sa.Column("price_currency", sa.String(length=3), nullable=True))
    _backfill_due_dates()
    _backfill_prices()


def _backfill_due_dates() -> None:
    """POs sent before this revision: due their sent date + their vendor's lead time."""
    connection = op.get_bind()
    moment = sa.DateTime(timezone=True)
    pos = sa.table(
        "purchase_orders",
        sa.column("id", sa.Integer()),
        sa.column("vendor_id", sa.Integer()),
        sa.column("sent_at", moment),
        sa.column("due_at", moment),
    )
    vendors = sa.table("vendors", sa.column("id", sa.Integer()), sa.column("lead_time_days"))
    rows = connection.execute(
        sa.select(pos.c.id, pos.c.sent_at, vendors.c.lead_time_days)
        .join(vendors, vendors.c.id == pos.c.vendor_id)
        .where(pos.c.sent_at.is_not(None), vendors.c.lead_time_days > 0)
    ).all()
    for po_id, sent_at, lead_time_days in rows:
        connection.execute(
            sa.update(pos)
            .where(pos.c.id == po_id)
            .values(due_at=sent_at + timedelta(days=int(lead_time_days)))
        )


def _backfill_prices() -> None:
    """PO lines created before this revision: the price their order's stored copy gives."""
    connection = op.get_bind()
    pos = sa.table(
        "purchase_orders",
        sa.column("id", sa.Integer()),
        sa.column("installation_id", sa.Integer()),
        sa.column("saleor_order_id", sa.String()),
    )
    orders = sa.table(
        "orders",
        sa.column("installation_id", sa.Integer()),
        sa.column("saleor_order_id", sa.String()),
        sa.column("snapshot", sa.JSON()),
    )
    lines = sa.table(
        "po_lines",
        sa.column("id", sa.Integer()),
        sa.column("purchase_order_id", sa.Integer()),
        sa.column("order_line_id", sa.String()),
        sa.column("unit_price", sa.Numeric(14, 4)),
        sa.column("price_currency", sa.String()),
    )
    rows = connection.execute(
        sa.select(lines.c.id, lines.c.order_line_id, orders.c.snapshot)
        .join(pos, pos.c.id == lines.c.purchase_order_id)
        .join(
            orders,
            (orders.c.installation_id == pos.c.installation_id)
            & (orders.c.saleor_order_id == pos.c.saleor_order_id),
        )
    ).all()
    for line_id, order_line_id, snapshot in rows:
        price = _line_price(snapshot, order_line_id)
        if price is not None:
            connection.execute(
                sa.update(lines)
                .where(lines.c.id == line_id)
                .values(unit_price=price[0], price_currency=price[1])
            )


def _line_price(snapshot: object, order_line_id: str) -> tuple[Decimal, str] | None:
    order = snapshot if isinstance(snapshot, dict) else {}
    for line in order.get("lines") or []:
        if isinstance(line, dict) and line.get("id") == order_line_id:
            price = line.get("unitPrice") or {}
            gross = price.get("gross") if isinstance(price, dict) else None
            if not isinstance(gross, dict):
                return None
            try:
                return Decimal(str(gross["amount"])), str(gross["currency"])[:3]
            except (KeyError, InvalidOperation):
                return None
    return None


def downgrade() -> None:
    with op.batch_alter_table("po_lines") as batch:
        batch.drop_column("price_currency")
        batch.drop_column("unit_price")
    op.drop_index("ix_po_lines_vendor_sku", table_name="po_lines")
    op.drop_index("ix_po_lines_sku", table_name="po_lines")
    op.drop_index("ix_purchase_orders_vendor_listing", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_order_number", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_due", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_status_listing", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_listing", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("due_at")
