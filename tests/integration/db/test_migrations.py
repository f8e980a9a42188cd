"""Migrations build the same schema as tables.py, and go down and up again."""

from sqlalchemy import inspect

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
