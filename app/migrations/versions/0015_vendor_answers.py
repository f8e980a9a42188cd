"""The vendor's answer per PO line and the public surfaces' rate-limit counters (issue 15)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "po_line_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "installation_id",
            sa.Integer,
            sa.ForeignKey("installations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "purchase_order_id",
            sa.Integer,
            sa.ForeignKey("purchase_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("order_line_id", sa.String(200), nullable=False),
        sa.Column("answer", sa.String(20), nullable=False),
        sa.Column("expected_date", sa.Date, nullable=True),
        sa.Column("reason", sa.String(500), nullable=False, server_default=""),
        sa.UniqueConstraint("purchase_order_id", "order_line_id", name="uq_po_line_answers_line"),
    )
    op.create_table(
        "rate_limit_windows",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
    op.drop_table("po_line_answers")
