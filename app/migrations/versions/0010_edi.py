"""EDI trading partners and the log of documents exchanged (issue 12)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _tenant() -> list[sa.Column[int]]:
    return [
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "edi_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant(),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("sftp_password_encrypted", sa.Text(), nullable=True),
        sa.Column("sftp_private_key_encrypted", sa.Text(), nullable=True),
        sa.Column("host_key_fingerprint", sa.String(length=80), nullable=True),
        sa.Column("last_control_number", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_poll_error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_edi_partners_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
            name=op.f("fk_edi_partners_vendor_id_vendors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_partners")),
        sa.UniqueConstraint("installation_id", "vendor_id", name="uq_edi_partners_vendor"),
    )
    op.create_table(
        "edi_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant(),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("control_number", sa.Integer(), nullable=True),
        sa.Column("purchase_order_id", sa.Integer(), nullable=True),
        sa.Column("po_number", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("send_key", sa.String(length=200), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_edi_documents_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
            name=op.f("fk_edi_documents_vendor_id_vendors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purchase_order_id"],
            ["purchase_orders.id"],
            name=op.f("fk_edi_documents_purchase_order_id_purchase_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_documents")),
        sa.UniqueConstraint("installation_id", "send_key", name="uq_edi_documents_send_key"),
        sa.UniqueConstraint(
            "installation_id",
            "vendor_id",
            "direction",
            "filename",
            "content_sha256",
            name="uq_edi_documents_file",
        ),
    )
    op.create_index(
        op.f("ix_edi_documents_purchase_order_id"),
        "edi_documents",
        ["purchase_order_id"],
        unique=False,
    )
    op.create_index(
        "ix_edi_documents_vendor", "edi_documents", ["installation_id", "vendor_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_edi_documents_vendor", table_name="edi_documents")
    op.drop_index(op.f("ix_edi_documents_purchase_order_id"), table_name="edi_documents")
    op.drop_table("edi_documents")
    op.drop_table("edi_partners")
