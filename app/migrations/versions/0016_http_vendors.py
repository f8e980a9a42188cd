"""HTTP vendors: each vendor's endpoint URL, timeout and encrypted signing secret (issue 15)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "vendors", sa.Column("http_url", sa.String(length=500), server_default="", nullable=False)
    )
    op.add_column(
        "vendors",
        sa.Column("http_timeout_seconds", sa.Integer(), server_default="10", nullable=False),
    )
    op.add_column("vendors", sa.Column("http_secret_encrypted", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vendors") as batch:
        batch.drop_column("http_secret_encrypted")
        batch.drop_column("http_timeout_seconds")
        batch.drop_column("http_url")
