"""Risk reviews remember the inputs they judged, and when the order changed after a decision
(issue 11, items 2 and 6)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_reviews") as batch:
        batch.add_column(
            sa.Column("inputs_digest", sa.String(length=64), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("risk_reviews") as batch:
        batch.drop_column("changed_at")
        batch.drop_column("inputs_digest")
