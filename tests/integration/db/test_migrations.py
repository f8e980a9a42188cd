"""Migrations build the same schema as tables.py, and go down and up again."""

from sqlalchemy import inspect, text

from app.adapters.db.engine import build_engine, downgrade_database, upgrade_database
from app.adapters.db.tables import metadata


def test_migrations_match_the_table_definitions(engine):
    inspector = inspect(engine)

    for table in metadata.sorted_tables:
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
        expected = {
            tuple(column.name for column in constraint.columns)
            for constraint in table.constraints
            if constraint.__class__.__name__ == "UniqueConstraint"
        } | {(column.name,) for column in table.columns if column.unique}
        assert uniques == expected, table.name


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/m.sqlite")
    upgrade_database(engine)
    downgrade_database(engine)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}

    upgrade_database(engine)

    assert set(inspect(engine).get_table_names()) == {t.name for t in metadata.sorted_tables} | {
        "alembic_version"
    }
    engine.dispose()


def test_notes_waiting_on_an_order_become_note_rows(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/n.sqlite")
    upgrade_database(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO installations (id, saleor_api_url, app_id, token_encrypted, jwks,"
                " status, installed_at) VALUES (1, 'https://s/graphql/', 'a', 't', '{}',"
                " 'active', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO orders (installation_id, saleor_order_id, number, status, snapshot,"
                " refreshed_at, pending_notes) VALUES (1, 'T3JkZXI6MQ==', '1', 'UNFULFILLED',"
                " '{}', '2026-01-01', '[\"PO 1-1 sent.\", \"PO 1-2 sent.\"]')"
            )
        )

    upgrade_database(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT saleor_order_id, text, sent_at FROM order_notes ORDER BY id")
        ).all()
    assert [tuple(row) for row in rows] == [
        ("T3JkZXI6MQ==", "PO 1-1 sent.", None),
        ("T3JkZXI6MQ==", "PO 1-2 sent.", None),
    ]
    engine.dispose()


def test_pos_sent_before_due_dates_existed_become_due_after_their_vendors_lead_time(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/d.sqlite")
    upgrade_database(engine, "0010")
    po_columns = (
        "installation_id, saleor_order_id, order_number, vendor_id, vendor_name, number,"
        " sequence, status, currency, ship_to, customer_email, created_at, sent_at, revision"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO installations (id, saleor_api_url, app_id, token_encrypted, jwks,"
                " status, installed_at) VALUES (1, 'https://s/graphql/', 'a', 't', '{}',"
                " 'active', '2026-01-01')"
            )
        )
        for vendor_id, lead in ((1, 4), (2, 0)):
            connection.execute(
                text(
                    "INSERT INTO vendors (id, installation_id, name, code, currency, integration,"
                    " emails_to, emails_cc, file_format, lead_time_days, po_notes, active)"
                    f" VALUES ({vendor_id}, 1, 'V', 'V{vendor_id}', 'EUR', 'email', '[]', '[]',"
                    f" 'pdf', {lead}, '', 1)"
                )
            )
        for number, vendor_id, sent_at in (
            ("1-1", 1, "'2026-11-02 10:00:00.000000'"),
            ("1-2", 1, "NULL"),
            ("1-3", 2, "'2026-11-02 10:00:00.000000'"),
        ):
            connection.execute(
                text(
                    f"INSERT INTO purchase_orders ({po_columns}) VALUES (1, 'o{number}', '1',"
                    f" {vendor_id}, 'V', '{number}', {number[-1]}, 'sent', 'EUR', '{{}}',"
                    f" 'c@x.test', '2026-11-01 00:00:00.000000', {sent_at}, 1)"
                )
            )

        snapshot = (
            '{"lines": [{"id": "L1", "unitPrice": {"gross": {"amount": 12.5, "currency": "EUR"}}}]}'
        )
        connection.execute(
            text(
                "INSERT INTO orders (installation_id, saleor_order_id, number, status, snapshot,"
                f" refreshed_at) VALUES (1, 'o1-1', '1', 'UNFULFILLED', '{snapshot}', '2026-01-01')"
            )
        )
        for order_line in ("L1", "L-unknown"):
            connection.execute(
                text(
                    "INSERT INTO po_lines (installation_id, purchase_order_id, order_line_id, sku,"
                    " vendor_sku, product_name, variant_name, quantity, unit_cost, is_open)"
                    f" VALUES (1, 1, '{order_line}', 'S', 'V', 'P', '', 1, 5, 1)"
                )
            )

    upgrade_database(engine)

    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT number, due_at FROM purchase_orders ORDER BY number")
        )
        due = {number: due_at for number, due_at in rows}
        prices = connection.execute(
            text("SELECT order_line_id, unit_price, price_currency FROM po_lines ORDER BY id")
        ).all()
    assert due == {"1-1": "2026-11-06 10:00:00.000000", "1-2": None, "1-3": None}
    assert [(line, float(price) if price else None, cur) for line, price, cur in prices] == [
        ("L1", 12.5, "EUR"),
        ("L-unknown", None, None),
    ]
    engine.dispose()


def test_pos_stored_before_0020_get_their_report_figures(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path}/r.sqlite")
    upgrade_database(engine, "0018")
    statements = [
        "INSERT INTO installations (id, saleor_api_url, app_id, token_encrypted, jwks, status,"
        " installed_at) VALUES (1, 'https://s/graphql/', 'a', 't', '{}', 'active', '2026-01-01')",
        "INSERT INTO vendors (id, installation_id, name, code, currency, integration, emails_to,"
        " emails_cc, file_format, lead_time_days, po_notes, active) VALUES (1, 1, 'V', 'V1',"
        " 'EUR', 'email', '[]', '[]', 'pdf', 3, '', 1)",
        "INSERT INTO purchase_orders (id, installation_id, saleor_order_id, order_number,"
        " vendor_id, vendor_name, number, sequence, status, currency, ship_to, customer_email,"
        " created_at, sent_at, revision) VALUES (1, 1, 'o1', '1', 1, 'V', '1-1', 1,"
        " 'partially_shipped', 'EUR', '{}', 'c@x.test', '2026-11-01 00:00:00.000000',"
        " '2026-11-01 10:00:00.000000', 1)",
        "INSERT INTO po_lines (installation_id, purchase_order_id, order_line_id, sku, vendor_sku,"
        " product_name, variant_name, quantity, unit_cost, unit_price, price_currency, is_open)"
        " VALUES (1, 1, 'L1', 'A', 'A', 'A', '', 2, 10, 25, 'EUR', 1),"
        " (1, 1, 'L2', 'B', 'B', 'B', '', 3, 5, NULL, NULL, 1)",
        "INSERT INTO po_events (installation_id, purchase_order_id, at, actor, action, detail)"
        " VALUES (1, 1, '2026-11-01 14:00:00.000000', 'v', 'acknowledged', ''),"
        " (1, 1, '2026-11-01 12:00:00.000000', 'v', 'acknowledged', ''),"
        " (1, 1, '2026-11-03 10:00:00.000000', 'v', 'partially shipped', '')",
        "INSERT INTO shipments (id, installation_id, purchase_order_id, saleor_order_id,"
        " tracking_numbers, split_by_package, source, created_by, created_at, status,"
        " write_attempts, fulfillment_ids) VALUES"
        " (1, 1, 1, 'o1', '[]', 0, 'widget', 's', '2026-11-02 10:00:00.000000', 'cancelled', 1,"
        " '[]'), (2, 1, 1, 'o1', '[]', 0, 'widget', 's', '2026-11-03 10:00:00.000000',"
        " 'written', 1, '[]')",
        "INSERT INTO shipment_lines (installation_id, shipment_id, order_line_id, quantity,"
        " package) VALUES (1, 1, 'L1', 2, 1), (1, 1, 'L2', 3, 1), (1, 2, 'L2', 1, 1)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))

    upgrade_database(engine)

    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT line_count, cost_total, revenue_total, all_priced, acknowledged_at,"
                " shipped_at, first_shipment_at, short_lines FROM purchase_orders"
            )
        ).one()
    assert (row.line_count, float(row.cost_total), float(row.revenue_total)) == (2, 35.0, 50.0)
    assert not row.all_priced  # line L2 has no customer price
    assert str(row.acknowledged_at).startswith("2026-11-01 12:00")  # the first of two
    assert row.shipped_at is None  # partly shipped: no "shipped" entry
    assert str(row.first_shipment_at).startswith("2026-11-03 10:00")  # the cancelled one left out
    assert row.short_lines == 1  # L2: 1 of 3 (the cancelled shipment's lines do not count)
    engine.dispose()
