"""The fixture store, imported once per test module on SQLite and once on PostgreSQL.

Segment tests only read, so a module shares one imported store per database instead of
paying a migration and an import per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from assistant.config import get_settings
from assistant.db import build_engine, get_engine, unit_of_work
from assistant.models import Customer, Event, Product
from tests.conftest import fresh_postgres_schema, migrate_like_alembic
from tests.segments.stores import FIXTURE, PINNED_CLV, load_store

# (customer, kind, occurred_at, product)
EVENTS = [
    ("C01", "viewed_product", "2026-11-19T18:00:00+00:00", "P2"),
    ("C01", "opened_email", "2026-11-01T18:00:00+00:00", None),
    ("C05", "viewed_product", "2026-09-01T18:00:00+00:00", "P2"),
    ("C05", "viewed_product", "2026-11-18T18:00:00+00:00", "P1"),
    ("C05", "viewed_product", "2026-11-19T18:00:00+00:00", "P1"),
]


@dataclass(frozen=True)
class StoreDb:
    """An imported fixture store: its engine and the URL the CLI can be pointed at."""

    engine: Engine
    url: str


@contextmanager
def default_settings(folder: Path) -> Iterator[None]:
    """Default settings while a module fixture builds its store (as conftest does per test)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("ASSISTANT_") and not name.startswith("ASSISTANT_TEST_"):
                patch.delenv(name)
        patch.chdir(folder)
        get_settings.cache_clear()
        get_engine.cache_clear()
        yield
    get_settings.cache_clear()


def add_events(engine: Engine) -> None:
    """Behavioural events (no CSV import exists for them yet)."""
    with unit_of_work(engine) as session:
        customers = dict(session.execute(select(Customer.external_id, Customer.id)).all())
        products = dict(session.execute(select(Product.external_id, Product.id)).all())
        for customer, kind, at, product in EVENTS:
            session.add(
                Event(
                    customer_id=customers[customer],
                    kind=kind,
                    occurred_at=datetime.fromisoformat(at).astimezone(UTC),
                    product_id=products[product] if product else None,
                )
            )


def _build(url: str, folder: Path) -> Engine:
    engine = build_engine(url)
    with default_settings(folder):
        migrate_like_alembic(engine)
        load_store(engine, folder / "csv", FIXTURE, clv=PINNED_CLV)
        add_events(engine)
    return engine


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreDb]:
    """The fixture store on SQLite."""
    folder = tmp_path_factory.mktemp("sqlite-store")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = _build(url, folder)
    yield StoreDb(engine, url)
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreDb]:
    """The fixture store on PostgreSQL, in a schema of its own."""
    with fresh_postgres_schema("seg") as url:
        engine = _build(url, tmp_path_factory.mktemp("postgres-store"))
        try:
            yield StoreDb(engine, url)
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> StoreDb:
    """The fixture store on each database."""
    name = "postgres_store" if request.param == "postgresql" else "sqlite_store"
    found: StoreDb = request.getfixturevalue(name)
    return found
