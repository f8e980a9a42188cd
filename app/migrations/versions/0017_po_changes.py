"""An order changed after its PO was sent: the difference kept on the PO (the "changed since
sent" flag), the change applied by the last amendment and the revision that carries it
(issue 16 item 2)

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-01 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("purchase_orders", sa.Column("changes", sa.JSON(), nullable=True))
    op.add_column("purchase_orders", sa.Column("amendment", sa.JSON(), nullable=True))
    op.add_column("purchase_orders", sa.Column("amended_revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_column("amended_revision")
        batch.drop_column("amendment")
        batch.drop_column("changes")
