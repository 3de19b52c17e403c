"""A migrated database of each kind holding the fixture store (tests/triggers/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.triggers.helpers import build_store


@pytest.fixture
def store(engine: Engine, tmp_path: Path) -> Engine:
    """The fixture store, imported into this test's database."""
    build_store(engine, tmp_path / "csv")
    return engine
