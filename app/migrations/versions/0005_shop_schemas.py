"""each shop's own Saleor schema

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saleor_schemas",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("introspection", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_saleor_schemas")),
    )
    op.create_table(
        "installation_schemas",
        sa.Column("installation_id", sa.Integer(), nullable=False),
        sa.Column("saleor_version", sa.String(length=40), nullable=False),
        sa.Column("schema_sha256", sa.String(length=64), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["installation_id"],
            ["installations.id"],
            name=op.f("fk_installation_schemas_installation_id_installations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["schema_sha256"],
            ["saleor_schemas.sha256"],
            name=op.f("fk_installation_schemas_schema_sha256_saleor_schemas"),
        ),
        sa.PrimaryKeyConstraint("installation_id", name=op.f("pk_installation_schemas")),
    )


def downgrade() -> None:
    op.drop_table("installation_schemas")
    op.drop_table("saleor_schemas")
