"""automatic order processing: each shop's rules and each order's automatic state

Revision ID: 0012b
Revises: 0012
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012b"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "automation_settings",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_automation_settings_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_automation_settings")),
    )
    op.create_table(
        "automation_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("saleor_order_id", sa.String(length=200), nullable=False),
        sa.Column("step", sa.String(length=20), server_default="new", nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("held_by_merchant", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_automation_orders_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automation_orders")),
        sa.UniqueConstraint(
            "installation_id", "saleor_order_id", name="uq_automation_orders_order"
        ),
    )
    op.create_index("ix_automation_orders_next_check_at", "automation_orders", ["next_check_at"])


def downgrade() -> None:
    op.drop_index("ix_automation_orders_next_check_at", table_name="automation_orders")
    op.drop_table("automation_orders")
    op.drop_table("automation_settings")
