"""The migration chain builds exactly the models' schema and comes down cleanly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
