"""outbound attempts and insert-only order notes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00.000000

Notes still waiting in ``orders.pending_notes`` become ``order_notes`` rows; the PO send claim
moves from ``purchase_orders`` to ``outbound_attempts`` (a claim in flight at upgrade time is
dropped: the send task's retry records a new attempt).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _create_tables() -> None:
    op.create_table(
        "outbound_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_outbound_attempts_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_attempts")),
        sa.UniqueConstraint("installation_id", "idempotency_key", name="uq_outbound_attempts_key"),
    )
    op.create_index(
        "ix_outbound_attempts_subject",
        "outbound_attempts",
        ["installation_id", "subject_kind", "subject_id"],
    )
    op.create_table(
        "order_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("saleor_order_id", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbound_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_order_notes_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbound_id"],
            ["outbound_attempts.id"],
            name=op.f("fk_order_notes_outbound_id_outbound_attempts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notes")),
    )
    op.create_index("ix_order_notes_order", "order_notes", ["installation_id", "saleor_order_id"])
    op.create_index(op.f("ix_order_notes_outbound_id"), "order_notes", ["outbound_id"])


def upgrade() -> None:
    _create_tables()
    connection = op.get_bind()
    orders = sa.table(
        "orders",
        sa.column("installation_id", sa.Integer),
        sa.column("saleor_order_id", sa.String),
        sa.column("pending_notes", sa.JSON),
    )
    notes = sa.table(
        "order_notes",
        sa.column("installation_id", sa.Integer),
        sa.column("saleor_order_id", sa.String),
        sa.column("text", sa.Text),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = sa.func.now() if connection.dialect.name == "postgresql" else sa.func.datetime("now")
    for installation_id, order_id, waiting in connection.execute(sa.select(orders)).all():
        for text in waiting or []:
            connection.execute(
                notes.insert().values(
                    installation_id=installation_id,
                    saleor_order_id=order_id,
                    text=text,
                    created_at=now,
                )
            )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("pending_notes")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_column("send_claimed_at")
        batch_op.drop_column("send_claim_token")


def downgrade() -> None:
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_claim_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("send_claimed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending_notes", sa.JSON(), server_default="[]", nullable=False)
        )
    op.drop_index(op.f("ix_order_notes_outbound_id"), table_name="order_notes")
    op.drop_index("ix_order_notes_order", table_name="order_notes")
    op.drop_table("order_notes")
    op.drop_index("ix_outbound_attempts_subject", table_name="outbound_attempts")
    op.drop_table("outbound_attempts")
