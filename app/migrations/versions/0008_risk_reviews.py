"""risk reviews per order, and each shop's risk settings and restricted Stripe key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("saleor_order_id", sa.String(length=200), nullable=False),
        sa.Column("order_number", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email", sa.String(length=320), server_default="", nullable=False),
        sa.Column("address_key", sa.String(length=600), server_default="", nullable=False),
        sa.Column("card_key", sa.String(length=100), server_default="", nullable=False),
        sa.Column("ip_addresses", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), server_default="", nullable=False),
        sa.Column("order_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=320), server_default="", nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name="fk_risk_reviews_installation_id_installations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_risk_reviews"),
        sa.UniqueConstraint("installation_id", "saleor_order_id", name="uq_risk_reviews_order"),
    )
    op.create_index(
        "ix_risk_reviews_history", "risk_reviews", ["installation_id", "order_created_at"]
    )
    op.create_table(
        "risk_settings",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("stripe_key_encrypted", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name="fk_risk_settings_installation_id_installations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("installation_id", name="pk_risk_settings"),
    )


def downgrade() -> None:
    op.drop_table("risk_settings")
    op.drop_index("ix_risk_reviews_history", table_name="risk_reviews")
    op.drop_table("risk_reviews")
