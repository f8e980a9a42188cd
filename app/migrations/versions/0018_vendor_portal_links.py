"""Vendor portal links: a hashed, expiring, revocable token per PO or per vendor (issue 15)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "installation_id",
            sa.Integer,
            sa.ForeignKey("installations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column(
            "purchase_order_id",
            sa.Integer,
            sa.ForeignKey("purchase_orders.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "vendor_id", sa.Integer, sa.ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_encrypted", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_portal_links_token_hash"),
    )
    op.create_index("ix_portal_links_po", "portal_links", ["installation_id", "purchase_order_id"])
    op.create_index(
        "ix_portal_links_vendor", "portal_links", ["installation_id", "vendor_id", "kind"]
    )


def downgrade() -> None:
    op.drop_index("ix_portal_links_vendor", table_name="portal_links")
    op.drop_index("ix_portal_links_po", table_name="portal_links")
    op.drop_table("portal_links")
