"""the inbox is the queue: when the relay handed a delivery to the worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
    # Rows queued by the old after-commit publish count as handed now: the relay re-hands them
    # only if they are still "received" after its re-hand window.
    op.execute(
        sa.text("UPDATE webhook_deliveries SET queued_at = received_at WHERE status = 'received'")
    )
    op.create_index(
        "ix_webhook_deliveries_waiting",
        "webhook_deliveries",
        ["id"],
        unique=False,
        sqlite_where=sa.text("status = 'received'"),
        postgresql_where=sa.text("status = 'received'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_webhook_deliveries_waiting",
        table_name="webhook_deliveries",
        sqlite_where=sa.text("status = 'received'"),
        postgresql_where=sa.text("status = 'received'"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("queued_at")
