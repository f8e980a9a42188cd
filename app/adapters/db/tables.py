"""Table definitions. Every tenant table carries ``installation_id``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("saleor_api_url", String(500), nullable=False, unique=True),
    Column("app_id", String(200), nullable=False),
    Column("token_encrypted", Text, nullable=False),
    Column("jwks", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("installed_at", DateTime(timezone=True), nullable=False),
    Column("removed_at", DateTime(timezone=True), nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("event", String(64), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    UniqueConstraint("installation_id", "event", "body_sha256", name="uq_webhook_deliveries_body"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "installation_id",
        Integer,
        ForeignKey("installations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("saleor_order_id", String(200), nullable=False),
    Column("number", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("snapshot", JSON, nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("installation_id", "saleor_order_id", name="uq_orders_saleor_order"),
)
