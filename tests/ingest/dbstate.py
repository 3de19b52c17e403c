"""Database helpers for import tests: run an import in a unit of work, snapshot every table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.ingest.service import ImportReport, import_files
from assistant.models import Base

Snapshot = dict[str, list[tuple[Any, ...]]]


def run_import(engine: Engine, *paths: Path, skip_invalid: bool = False) -> ImportReport:
    """Import `paths` in one committed unit of work, as the CLI does."""
    with unit_of_work(engine) as session:
        return import_files(session, list(paths), skip_invalid=skip_invalid)


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every model table, in primary-key order."""
    tables: Snapshot = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            tables[table.name] = [
                tuple(r) for r in connection.execute(select(table).order_by(*order))
            ]
    return tables


def counts(engine: Engine) -> dict[str, int]:
    """How many rows each import table holds."""
    state = snapshot(engine)
    names = ("customers", "products", "orders", "order_items", "returns", "consent_events")
    return {name: len(state[name]) for name in names}


def by_kind(report: ImportReport) -> dict[str, Any]:
    """The report of each file, by kind (one file per kind in these tests)."""
    return {f.kind: f for f in report.files}
