"""Each PO's report figures kept on its row (lines, cost, revenue, first acknowledgement,
shipped, first shipment) so the Reports tab reads one table, and an index on the sent date
(issue 16)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-01 21:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

_COLUMNS = (
    "line_count",
    "cost_total",
    "revenue_total",
    "all_priced",
    "acknowledged_at",
    "shipped_at",
    "first_shipment_at",
    "short_lines",
)


def upgrade() -> None:
    moment = sa.DateTime(timezone=True)
    op.add_column("purchase_orders", sa.Column("line_count", sa.Integer(), nullable=True))
    op.add_column("purchase_orders", sa.Column("cost_total", sa.Numeric(16, 4), nullable=True))
    op.add_column("purchase_orders", sa.Column("revenue_total", sa.Numeric(16, 4), nullable=True))
    op.add_column("purchase_orders", sa.Column("all_priced", sa.Boolean(), nullable=True))
    op.add_column("purchase_orders", sa.Column("acknowledged_at", moment, nullable=True))
    op.add_column("purchase_orders", sa.Column("shipped_at", moment, nullable=True))
    op.add_column("purchase_orders", sa.Column("first_shipment_at", moment, nullable=True))
    op.add_column("purchase_orders", sa.Column("short_lines", sa.Integer(), nullable=True))
    op.create_index("ix_purchase_orders_sent", "purchase_orders", ["installation_id", "sent_at"])
    _backfill()


def _backfill() -> None:
    """Every PO's figures from its lines, history and shipments: one grouped pass each, joined
    to the POs (not a sub-select per PO, which PostgreSQL may plan as a scan per PO)."""
    op.execute(
        "UPDATE purchase_orders SET line_count = 0, cost_total = 0, revenue_total = 0,"
        " all_priced = (1 = 1), short_lines = 0"
    )
    op.execute(
        """
        UPDATE purchase_orders SET line_count = f.line_count, cost_total = f.cost_total,
          revenue_total = f.revenue_total, all_priced = (f.priced_lines = f.line_count)
        FROM (SELECT l.purchase_order_id AS id, count(*) AS line_count,
                     sum(l.quantity * l.unit_cost) AS cost_total,
                     sum(CASE WHEN l.unit_price IS NOT NULL AND l.price_currency = p.currency
                              THEN l.quantity * l.unit_price ELSE 0 END) AS revenue_total,
                     sum(CASE WHEN l.unit_price IS NOT NULL AND l.price_currency = p.currency
                              THEN 1 ELSE 0 END) AS priced_lines
              FROM po_lines l JOIN purchase_orders p ON p.id = l.purchase_order_id
              GROUP BY l.purchase_order_id) AS f
        WHERE f.id = purchase_orders.id
        """
    )
    op.execute(
        """
        UPDATE purchase_orders SET acknowledged_at = e.acknowledged_at, shipped_at = e.shipped_at
        FROM (SELECT purchase_order_id AS id,
                     min(CASE WHEN action = 'acknowledged' THEN at END) AS acknowledged_at,
                     min(CASE WHEN action = 'shipped' THEN at END) AS shipped_at
              FROM po_events WHERE action IN ('acknowledged', 'shipped')
              GROUP BY purchase_order_id) AS e
        WHERE e.id = purchase_orders.id
        """
    )
    op.execute(
        """
        UPDATE purchase_orders SET first_shipment_at = s.first_shipment_at
        FROM (SELECT purchase_order_id AS id, min(created_at) AS first_shipment_at
              FROM shipments WHERE status <> 'cancelled' GROUP BY purchase_order_id) AS s
        WHERE s.id = purchase_orders.id
        """
    )
    op.execute(  # lines shipped in part: some of the line, not all, by shipments not cancelled
        """
        UPDATE purchase_orders SET short_lines = x.short_lines
        FROM (SELECT l.purchase_order_id AS id, count(*) AS short_lines
              FROM po_lines l
              JOIN (SELECT s.purchase_order_id, sl.order_line_id, sum(sl.quantity) AS q
                    FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                    WHERE s.status <> 'cancelled'
                    GROUP BY s.purchase_order_id, sl.order_line_id) AS shipped
                ON shipped.purchase_order_id = l.purchase_order_id
               AND shipped.order_line_id = l.order_line_id
              WHERE shipped.q > 0 AND shipped.q < l.quantity
              GROUP BY l.purchase_order_id) AS x
        WHERE x.id = purchase_orders.id
        """
    )


def downgrade() -> None:
    op.drop_index("ix_purchase_orders_sent", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders") as batch:
        for column in _COLUMNS:
            batch.drop_column(column)
