"""Blind drop-shipping: vendor document and shipping options, PO shipping instructions and
cost, the shop's logo (issue 14)

Revision ID: 0013
Revises: 0012b
Create Date: 2026-12-01 13:30:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch (copy-and-move) on SQLite drops the vendors table, which
    # foreign keys forbid as soon as a PO refers to a vendor.
    vendor_columns: tuple[sa.Column[Any], ...] = (
        sa.Column("documents", sa.String(length=20), server_default="po", nullable=False),
        sa.Column("show_prices", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("file_name_pattern", sa.String(length=60), server_default="", nullable=False),
        sa.Column("service_map", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("carrier_accounts_encrypted", sa.Text(), nullable=True),
    )
    for column in vendor_columns:
        op.add_column("vendors", column)
    po_columns: tuple[sa.Column[Any], ...] = (
        sa.Column("requested_service", sa.String(length=200), server_default="", nullable=False),
        sa.Column("ship_by", sa.Date(), nullable=True),
        sa.Column("shipping_cost", sa.Numeric(precision=12, scale=2), nullable=True),
    )
    for column in po_columns:
        op.add_column("purchase_orders", column)
    op.create_table(
        "shop_logos",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_shop_logos_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_shop_logos")),
    )


def downgrade() -> None:
    op.drop_table("shop_logos")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_column("shipping_cost")
        batch_op.drop_column("ship_by")
        batch_op.drop_column("requested_service")
    with op.batch_alter_table("vendors", schema=None) as batch_op:
        batch_op.drop_column("carrier_accounts_encrypted")
        batch_op.drop_column("file_name_pattern")
        batch_op.drop_column("show_prices")
        batch_op.drop_column("service_map")
        batch_op.drop_column("documents")
