"""A generated demo store in a database: migrated, imported, metrics refreshed.

For tools that need a realistic store to work on (the eval golden set's builder, benchmarks);
imports the metrics refresh (scipy), so it is kept out of `assistant.demo`'s package imports.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from assistant import migrate
from assistant.db import build_engine, unit_of_work
from assistant.demo.generator import generate_store
from assistant.ingest.service import import_files
from assistant.metrics.service import refresh


def load_demo_store(url: str, folder: Path, *, customers: int, seed: int, as_of: date) -> Engine:
    """Migrate the database at `url`, import a demo store generated into `folder/demo` (kept
    if already there) and refresh its metrics as of `as_of`; its engine."""
    engine = build_engine(url)
    migrate.upgrade(engine)
    data = folder / "demo"
    if not (data / "customers.csv").exists():
        generate_store(data, customers=customers, seed=seed, as_of=as_of)
    with unit_of_work(engine) as session:
        import_files(session, [data])
    with unit_of_work(engine) as session:
        refresh(session, as_of)
    return engine
