"""The set-based SQL every merge shares: run a statement, upsert a staging table into a table.

Merges are idempotent: rows that are already identical are not updated, so re-importing
the same rows changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Constraint,
    ForeignKeyConstraint,
    UniqueConstraint,
    bindparam,
    text,
)
from sqlalchemy.schema import AddConstraint, DropConstraint

from assistant.models import Base
from assistant.models.base import UTCDateTime


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    consent_kept_off: int = 0
    # Rows of customers whose data was erased (`assistant customers forget`): not imported.
    forgotten_skipped: int = 0


@dataclass(frozen=True)
class Target:
    table: str
    source: str  # SELECT exposing every key and value column by its target name
    key: tuple[str, ...]
    # (target column, staging column whose presence in the file allows updating it)
    values: tuple[tuple[str, str | None], ...]
    timestamps: bool


def distinct(connection: Connection) -> str:
    return "IS DISTINCT FROM" if connection.dialect.name == "postgresql" else "IS NOT"


def run(connection: Connection, sql: str, now: datetime | None = None, **params: Any) -> Any:
    """Execute `sql`; `:now` is bound as a UTC timestamp when given."""
    statement = text(sql)
    if now is not None and ":now" in sql:
        statement = statement.bindparams(bindparam("now", type_=UTCDateTime()))
        params["now"] = now
    return connection.execute(statement, params)


def is_empty(connection: Connection, table: str) -> bool:
    return connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is None


@contextmanager
def bulk_load(connection: Connection, table_name: str) -> Iterator[None]:
    """Load an empty table the way databases load fastest: build indexes and checks after.

    Secondary indexes (and on PostgreSQL unique and foreign-key constraints) are dropped
    and re-created once the rows are in: one sorted index build and one set-based foreign
    key validation instead of millions of per-row updates and trigger calls (see
    PostgreSQL's "Populating a Database"). It all happens inside the import's transaction,
    so a failed import restores them with everything else.
    """
    table = Base.metadata.tables[table_name]
    postgres = connection.dialect.name == "postgresql"
    indexes = [index for index in table.indexes if not index.unique]
    constraints: list[Constraint] = []
    if postgres:
        constraints = [
            c for c in table.constraints if isinstance(c, UniqueConstraint | ForeignKeyConstraint)
        ]
    for index in indexes:
        index.drop(connection)
    for constraint in constraints:
        connection.execute(DropConstraint(constraint))
    yield
    for constraint in constraints:
        connection.execute(AddConstraint(constraint))
    for index in indexes:
        index.create(connection)
    analyze(connection, table_name)


def analyze(connection: Connection, table_name: str) -> None:
    """Refresh planner statistics (PostgreSQL) so the next file's joins get a good plan."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ANALYZE {table_name}"))


def merge_target(
    connection: Connection, target: Target, present: frozenset[str], now: datetime
) -> MergeCounts:
    """Upsert `target.source` into `target.table` by its key."""
    table = target.table
    if is_empty(connection, table):
        with bulk_load(connection, table):
            return _merge_rows(connection, target, present, now, empty=True)
    counts = _merge_rows(connection, target, present, now, empty=False)
    analyze(connection, table)
    return counts


def _merge_rows(
    connection: Connection, target: Target, present: frozenset[str], now: datetime, *, empty: bool
) -> MergeCounts:
    table, key = target.table, target.key
    counts = MergeCounts()
    updatable = [
        col for col, stage_col in target.values if stage_col is None or stage_col in present
    ]
    if updatable and not empty:
        assignments = [f"{col} = src.{col}" for col in updatable]
        if target.timestamps:
            assignments.append("updated_at = :now")
        matches = " AND ".join(f"{table}.{k} = src.{k}" for k in key)
        is_distinct = distinct(connection)
        changed = " OR ".join(f"{table}.{col} {is_distinct} src.{col}" for col in updatable)
        result = run(
            connection,
            f"UPDATE {table} SET {', '.join(assignments)} FROM ({target.source}) AS src "
            f"WHERE {matches} AND ({changed})",
            now,
        )
        counts.updated = result.rowcount
    columns = list(key) + [col for col, _ in target.values]
    selected = [f"src.{col}" for col in columns]
    if target.timestamps:
        columns += ["created_at", "updated_at"]
        selected += [":now", ":now"]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selected)} FROM ({target.source}) AS src"
    )
    if not empty:
        # The staging table holds each key once, so an empty target needs no existence probe.
        probe = " AND ".join(f"t.{k} = src.{k}" for k in key)
        sql += f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {probe})"
    counts.inserted = run(connection, sql, now if target.timestamps else None).rowcount
    return counts
