"""billing accounts (tier, add-on modules, Stripe subscriptions) and processed Stripe events

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "billing_accounts",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.Integer(), server_default="1", nullable=False),
        sa.Column("enabled_modules", sa.JSON(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("subscriptions", sa.JSON(), nullable=False),
        sa.Column("lapse_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_billing_accounts_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_billing_accounts")),
    )
    op.create_index(
        op.f("ix_billing_accounts_stripe_customer_id"),
        "billing_accounts",
        ["stripe_customer_id"],
    )
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stripe_events")),
    )


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_index(op.f("ix_billing_accounts_stripe_customer_id"), table_name="billing_accounts")
    op.drop_table("billing_accounts")
