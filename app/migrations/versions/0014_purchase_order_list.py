"""The PO list and late POs: due date of each sent PO, and the list's indexes (issue 16)

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-01 13:30:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
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
    _backfill_due_dates()


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


def downgrade() -> None:
    op.drop_index("ix_po_lines_vendor_sku", table_name="po_lines")
    op.drop_index("ix_po_lines_sku", table_name="po_lines")
    op.drop_index("ix_purchase_orders_vendor_listing", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_order_number", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_due", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_status_listing", table_name="purchase_orders")
    op.drop_index("ix_purchase_orders_listing", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("due_at")
