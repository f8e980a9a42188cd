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
    """Every PO's figures from its lines, history and shipments, in one statement each."""
    op.execute(
        """
        UPDATE purchase_orders SET
          line_count = (SELECT count(*) FROM po_lines l
                        WHERE l.purchase_order_id = purchase_orders.id),
          cost_total = (SELECT coalesce(sum(l.quantity * l.unit_cost), 0) FROM po_lines l
                        WHERE l.purchase_order_id = purchase_orders.id),
          revenue_total = (SELECT coalesce(sum(l.quantity * l.unit_price), 0) FROM po_lines l
                           WHERE l.purchase_order_id = purchase_orders.id
                             AND l.price_currency = purchase_orders.currency),
          all_priced = NOT EXISTS (SELECT 1 FROM po_lines l
                                   WHERE l.purchase_order_id = purchase_orders.id
                                     AND (l.unit_price IS NULL
                                          OR l.price_currency IS NULL
                                          OR l.price_currency <> purchase_orders.currency)),
          acknowledged_at = (SELECT min(e.at) FROM po_events e
                             WHERE e.purchase_order_id = purchase_orders.id
                               AND e.action = 'acknowledged'),
          shipped_at = (SELECT min(e.at) FROM po_events e
                        WHERE e.purchase_order_id = purchase_orders.id AND e.action = 'shipped'),
          first_shipment_at = (SELECT min(s.created_at) FROM shipments s
                               WHERE s.purchase_order_id = purchase_orders.id
                                 AND s.status <> 'cancelled'),
          short_lines = 0
        """
    )
    op.execute(  # lines shipped in part: only POs with a shipment can have one
        """
        UPDATE purchase_orders SET short_lines = (
          SELECT count(*) FROM po_lines l
          JOIN (SELECT sl.order_line_id, sum(sl.quantity) AS q
                FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
                WHERE s.purchase_order_id = purchase_orders.id AND s.status <> 'cancelled'
                GROUP BY sl.order_line_id) shipped ON shipped.order_line_id = l.order_line_id
          WHERE l.purchase_order_id = purchase_orders.id
            AND shipped.q > 0 AND shipped.q < l.quantity)
        WHERE EXISTS (SELECT 1 FROM shipments s WHERE s.purchase_order_id = purchase_orders.id)
        """
    )


def downgrade() -> None:
    op.drop_index("ix_purchase_orders_sent", table_name="purchase_orders")
    with op.batch_alter_table("purchase_orders") as batch:
        for column in _COLUMNS:
            batch.drop_column(column)
