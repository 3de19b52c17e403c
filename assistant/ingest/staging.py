"""Temporary staging tables and the fastest bulk load each database offers.

Validated rows are streamed into a temp table (PostgreSQL `COPY`, SQLite `executemany`),
then checked and merged into the real tables by set-based SQL (see `merge.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, text

from assistant.ingest.specs import FileSpec

BATCH_ROWS = 20_000

_TYPES = {
    "postgresql": {
        "text": "TEXT",
        "int": "BIGINT",
        "bool": "BOOLEAN",
        "ts": "TIMESTAMP WITH TIME ZONE",
        "num": "NUMERIC(12, 2)",
        "json": "TEXT",
    },
    # Timestamps stay text in the exact format SQLAlchemy writes (naive UTC), so merged
    # values compare and sort like the ones the ORM stores.
    "sqlite": {
        "text": "TEXT",
        "int": "INTEGER",
        "bool": "BOOLEAN",
        "ts": "TEXT",
        "num": "NUMERIC",
        "json": "TEXT",
    },
}


def stage_table(kind: str) -> str:
    return f"import_stage_{kind}"


def stage_columns(spec: FileSpec) -> list[tuple[str, str]]:
    """(name, type) of the staging table: line number, the spec's columns, attributes."""
    columns = [("line", "int")] + [(c.stage_name, c.type) for c in spec.columns]
    if spec.extra_columns_are_attributes:
        columns.append(("attributes", "text"))
    return columns


def create_stage(connection: Connection, spec: FileSpec) -> str:
    """A fresh, empty staging table for `spec`; returns its name."""
    types = _TYPES[connection.dialect.name]
    name = stage_table(spec.kind)
    body = ", ".join(f"{column} {types[kind]}" for column, kind in stage_columns(spec))
    connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
    connection.execute(text(f"CREATE TEMPORARY TABLE {name} ({body})"))
    return name


def drop_stage(connection: Connection, spec: FileSpec) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {stage_table(spec.kind)}"))


def load_stage(
    connection: Connection,
    spec: FileSpec,
    rows: Iterable[tuple[object, ...]],
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Stream `rows` into the staging table; returns how many were loaded."""
    name = stage_table(spec.kind)
    columns = [c for c, _ in stage_columns(spec)]
    raw: Any = connection.connection.driver_connection
    loaded = 0
    if connection.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for batch in _batches(rows):
                for row in batch:
                    copy.write_row(row)
                loaded += len(batch)
                if on_batch:
                    on_batch(loaded)
        connection.execute(text(f"ANALYZE {name}"))
        return loaded
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})"
    cursor = raw.cursor()
    try:
        for batch in _batches(rows):
            cursor.executemany(statement, batch)
            loaded += len(batch)
            if on_batch:
                on_batch(loaded)
    finally:
        cursor.close()
    return loaded


def _batches(rows: Iterable[tuple[object, ...]]) -> Iterator[list[tuple[object, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield batch
