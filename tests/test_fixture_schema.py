"""The test fixtures' shortcut to a migrated database builds exactly what Alembic builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from assistant import migrate
from assistant.db import build_engine
from tests.conftest import fresh_postgres_schema, migrate_like_alembic


def _index(index: Any) -> str:
    """An index as comparable text (a partial index's WHERE is a TextClause on SQLite)."""
    options = index.get("dialect_options")
    if options:
        index = {**index, "dialect_options": {k: str(v) for k, v in options.items()}}
    return repr(index)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Every table's columns, keys, indexes and constraints, and the recorded revision."""
    inspector = inspect(engine)
    tables: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(name)
            ],
            "pk": inspector.get_pk_constraint(name),
            "fks": sorted(map(repr, inspector.get_foreign_keys(name))),
            "indexes": sorted(map(_index, inspector.get_indexes(name))),
            "uniques": sorted(map(repr, inspector.get_unique_constraints(name))),
            "checks": sorted(map(repr, inspector.get_check_constraints(name))),
        }
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            ddl = connection.execute(
                text("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            ).all()
        else:
            ddl = connection.execute(
                text(
                    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
                    " JOIN pg_namespace n ON n.oid = c.connamespace"
                    " WHERE n.nspname = current_schema() ORDER BY 1, 2"
                )
            ).all()
            ddl += connection.execute(
                text(
                    "SELECT indexname, indexdef FROM pg_indexes"
                    " WHERE schemaname = current_schema() ORDER BY 1"
                )
            ).all()
            ddl += connection.execute(
                text(
                    "SELECT sequence_name, data_type, start_value, increment"
                    " FROM information_schema.sequences"
                    " WHERE sequence_schema = current_schema() ORDER BY 1"
                )
            ).all()
            # Index and constraint definitions name the schema; compare them without it.
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            ddl = [tuple(str(v).replace(f"{schema}.", "") for v in row) for row in ddl]
        revision = migrate.current_revision(engine)
    return {"tables": tables, "ddl": [tuple(row) for row in ddl], "revision": revision}


def test_the_sqlite_template_copy_is_the_migrated_schema(tmp_path: Path) -> None:
    alembic = build_engine(f"sqlite:///{tmp_path / 'alembic.db'}")
    copied = build_engine(f"sqlite:///{tmp_path / 'copied.db'}")
    try:
        migrate.upgrade(alembic)
        migrate_like_alembic(copied)
        expected = snapshot(alembic)
        assert expected["revision"] is not None and len(expected["tables"]) > 10
        assert snapshot(copied) == expected
    finally:
        alembic.dispose()
        copied.dispose()


@pytest.mark.postgres
def test_the_postgres_replay_is_the_migrated_schema() -> None:
    with fresh_postgres_schema("alembic") as alembic_url, fresh_postgres_schema("replay") as url:
        alembic = build_engine(alembic_url)
        replayed = build_engine(url)
        try:
            migrate.upgrade(alembic)
            migrate_like_alembic(replayed)
            expected = snapshot(alembic)
            assert expected["revision"] is not None and len(expected["tables"]) > 10
            assert snapshot(replayed) == expected
        finally:
            alembic.dispose()
            replayed.dispose()
