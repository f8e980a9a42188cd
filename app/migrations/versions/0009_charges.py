"""charges and voids the app asked Saleor for, one in flight per order and action

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

IN_FLIGHT_ATTEMPT = "status IN ('requesting', 'unknown', 'pending')"


def upgrade() -> None:
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("saleor_order_id", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("transaction_id", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.Numeric(14, 4), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="", nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column("psp_reference", sa.String(length=500), server_default="", nullable=False),
        sa.Column("known_event_ids", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_sent_to", sa.String(length=320), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name="fk_payment_attempts_installation_id_installations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_payment_attempts"),
    )
    op.create_index(
        "ix_payment_attempts_order", "payment_attempts", ["installation_id", "saleor_order_id"]
    )
    op.create_index(
        "uq_payment_attempts_in_flight",
        "payment_attempts",
        ["installation_id", "saleor_order_id", "action"],
        unique=True,
        sqlite_where=sa.text(IN_FLIGHT_ATTEMPT),
        postgresql_where=sa.text(IN_FLIGHT_ATTEMPT),
    )


def downgrade() -> None:
    op.drop_index("uq_payment_attempts_in_flight", table_name="payment_attempts")
    op.drop_index("ix_payment_attempts_order", table_name="payment_attempts")
    op.drop_table("payment_attempts")
