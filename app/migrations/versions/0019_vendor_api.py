"""Vendor API keys (hashed) and the vendor API's idempotent answers (issue 15)

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-01 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None


def _tenant() -> sa.Column[int]:
    return sa.Column(
        "installation_id",
        sa.Integer,
        sa.ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _vendor() -> sa.Column[int]:
    return sa.Column(
        "vendor_id", sa.Integer, sa.ForeignKey("vendors.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "vendor_api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        _tenant(),
        _vendor(),
        sa.Column("key_id", sa.String(12), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("key_id", name="uq_vendor_api_keys_key_id"),
    )
    op.create_index(
        "ix_vendor_api_keys_vendor", "vendor_api_keys", ["installation_id", "vendor_id"]
    )
    op.create_table(
        "vendor_api_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        _tenant(),
        _vendor(),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("vendor_id", "idempotency_key", name="uq_vendor_api_requests_key"),
    )
    op.create_index("ix_vendor_api_requests_created_at", "vendor_api_requests", ["created_at"])


def downgrade() -> None:
    op.drop_table("vendor_api_requests")
    op.drop_table("vendor_api_keys")
