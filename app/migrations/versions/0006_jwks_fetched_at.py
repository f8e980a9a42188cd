"""installations remember when their JWKS was last fetched for an unknown key id

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("installations") as batch:
        batch.add_column(sa.Column("jwks_fetched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("installations") as batch:
        batch.drop_column("jwks_fetched_at")
