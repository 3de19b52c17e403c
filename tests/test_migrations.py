"""The migration chain builds exactly the models' schema and comes down cleanly."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from assistant import migrate
from assistant.db import build_engine
from assistant.models import Base


@pytest.fixture
def alembic_engine(database_url: str) -> Iterator[Engine]:
    """Migrated by Alembic itself (the shared `engine` fixture takes a shortcut)."""
    engine = build_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_upgrade_matches_models_and_downgrade_removes_everything(alembic_engine: Engine) -> None:
    engine = alembic_engine
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert migrate.current_revision(engine) is not None

    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert migrate.current_revision(engine) is None

    migrate.upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_the_consent_ledger_migration_backfills_destinations(database_url: str) -> None:
    """0019 gives older consent events the customer's current address, and comes down."""
    engine = build_engine(database_url)
    try:
        migrate.upgrade(engine, "0018_draft_examples")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO customers (external_id, email, phone, created_at, updated_at) "
                    "VALUES ('M1', 'Mia@Example.com', '+14155550111', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for channel in ("sms", "email"):
                connection.execute(
                    text(
                        "INSERT INTO consent_events (customer_id, channel, consented, source, "
                        "occurred_at) SELECT id, :channel, true, 'import', CURRENT_TIMESTAMP "
                        "FROM customers"
                    ),
                    {"channel": channel},
                )

        migrate.upgrade(engine, "0019_consent_ledger")
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT channel, destination, purpose, evidence FROM consent_events "
                    "ORDER BY channel"
                )
            ).all()
        evidence = [json.loads(r[3]) if isinstance(r[3], str) else r[3] for r in rows]
        assert [(r[0], r[1], r[2]) for r in rows] == [
            ("email", "mia@example.com", "messages"),
            ("sms", "+14155550111", "messages"),
        ]
        assert evidence == [{"destination": "backfilled"}] * 2

        migrate.downgrade(engine, "0018_draft_examples")
        columns = {c["name"] for c in inspect(engine).get_columns("consent_events")}
        assert not {"destination", "purpose", "wording", "evidence"} & columns
    finally:
        migrate.downgrade(engine, "base")
        engine.dispose()
