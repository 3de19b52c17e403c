"""A first load and an incremental load store the same rows with or without the fast paths.

The fast email, phone and timestamp checks (`fastcheck.py`) are proven equal to the
libraries cell by cell in test_fastcheck.py; this compares whole databases, consent ledger
and metrics marks included, after the same two imports with them on and with them off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from assistant.db import build_engine
from assistant.ingest import fastcheck
from tests.conftest import fresh_postgres_schema, migrate_like_alembic
from tests.ingest.csvfiles import VALID, write_store
from tests.ingest.dbstate import Snapshot, run_import, snapshot

FIRST = {
    "customers": [
        *VALID["customers"],
        "C4,Dee,Roe,Dee.Roe+news@Mail.Example.NET,+447911123456,Europe/London,"
        "2021-06-01T09:30:00Z,true,true",
        "C5,Eve,Poe,eve@bücher.example,+390612345678,Europe/Rome,2020-01-01,true,true",
        "C6,Fay,Lee,postmaster@example.org,+61 2 9876 5432,Australia/Sydney,"
        "2019-12-31T23:59:59.5Z,false,true",
    ],
}
# The next day: new orders, a changed number (a ledger grant for it), a new customer.
SECOND = {
    "customers": [
        "C1,Ana,Lopez,ana@example.com,+14155550199,America/Los_Angeles,"
        "2023-01-02T10:00:00Z,true,true",
        "C7,Gus,Kim,gus.kim@example.com,+15049463699,America/Chicago,2026-11-24T08:00:00Z,"
        "true,false",
    ],
    "products": VALID["products"],
    "orders": [
        "O4,C7,2026-11-24T10:15:00Z,14.00,USD,completed",
        "O5,C4,2026-11-24T11:00:00+01:00,38.00,GBP,completed",
    ],
    "order_items": ["O4,P1,1,14.00", "O5,P3,1,38.00"],
    "returns": [],
}
NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


@contextmanager
def _another_database(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    if engine.dialect.name == "postgresql":
        with fresh_postgres_schema("t") as url:
            other = build_engine(url)
            migrate_like_alembic(other)
            yield other
            other.dispose()
        return
    other = build_engine(f"sqlite:///{tmp_path / 'other.db'}")
    migrate_like_alembic(other)
    yield other
    other.dispose()


def _two_imports(engine: Engine, folder: Path) -> Snapshot:
    with engine.begin() as connection:  # a refresh has run: imports mark changed customers
        connection.execute(
            text(
                "INSERT INTO metrics_state (id, stats_as_of, brand_zone, refreshed_at) "
                "VALUES (1, '2026-11-23', 'UTC', '2026-11-23 06:00:00')"
            )
        )
    run_import(engine, write_store(folder / "first", FIRST))
    run_import(engine, write_store(folder / "second", SECOND))
    return snapshot(engine)


def test_first_and_incremental_loads_store_the_same_with_and_without_fast_paths(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.ingest.service.utcnow", lambda: NOW)
    fast = _two_imports(engine, tmp_path / "fast")
    with _another_database(engine, tmp_path) as other:
        monkeypatch.setattr(fastcheck, "email", lambda _value: None)
        monkeypatch.setattr(fastcheck, "phone", lambda _value, _region: None)
        monkeypatch.setattr(fastcheck, "utc_timestamp", lambda _value: None)
        slow = _two_imports(other, tmp_path / "slow")
    assert fast == slow
    assert len(fast["consent_events"]) >= 8
    assert len(fast["metrics_pending_customers"]) >= 2
