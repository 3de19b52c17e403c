"""Set-based checks and merges from a staging table into the real tables.

Every statement here touches all rows of a file at once. Merges are idempotent: rows that
are already identical are not updated, so re-importing the same files changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, DropConstraint

from assistant.ingest.specs import FileSpec
from assistant.ingest.staging import stage_table
from assistant.models import Base
from assistant.models.base import UTCDateTime
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES


@dataclass(frozen=True)
class Finding:
    """A row refused by a set-based check."""

    line: int
    column: str | None
    reason: str


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    consent_kept_off: int = 0
    # Rows of customers whose data was erased (`assistant customers forget`): not imported.
    forgotten_skipped: int = 0


@dataclass(frozen=True)
class _Target:
    table: str
    source: str  # SELECT exposing every key and value column by its target name
    key: tuple[str, ...]
    # (target column, staging column whose presence in the file allows updating it)
    values: tuple[tuple[str, str | None], ...]
    timestamps: bool


def _distinct(connection: Connection) -> str:
    return "IS DISTINCT FROM" if connection.dialect.name == "postgresql" else "IS NOT"


def _run(connection: Connection, sql: str, now: datetime | None = None, **params: Any) -> Any:
    statement = text(sql)
    if now is not None and ":now" in sql:
        statement = statement.bindparams(bindparam("now", type_=UTCDateTime()))
        params["now"] = now
    return connection.execute(statement, params)


def find_duplicates(connection: Connection, spec: FileSpec) -> list[Finding]:
    """Every repeat of a key within the file (the first occurrence is kept)."""
    stage = stage_table(spec.kind)
    key = ", ".join(spec.key)
    rows = _run(
        connection,
        f"SELECT line, {key} FROM {stage} WHERE ({key}) IN "
        f"(SELECT {key} FROM {stage} GROUP BY {key} HAVING count(*) > 1) ORDER BY line",
    ).all()
    first_line: dict[tuple[Any, ...], int] = {}
    findings = []
    label = (
        spec.columns[0].name
        if len(spec.key) == 1
        else " + ".join(c.name for c in spec.columns if c.stage_name in spec.key)
    )
    for line, *values in rows:
        key_value = tuple(values)
        if key_value in first_line:
            shown = " / ".join(str(v) for v in key_value)
            findings.append(
                Finding(line, label, f"duplicate '{shown}' (first on line {first_line[key_value]})")
            )
        else:
            first_line[key_value] = line
    return findings


def _unknown(connection: Connection, stage: str, ref: str, table: str) -> list[tuple[int, str]]:
    return list(
        _run(
            connection,
            f"SELECT s.line, s.{ref} FROM {stage} s WHERE s.{ref} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {table} t WHERE t.external_id = s.{ref}) ORDER BY s.line",
        )
    )


def find_reference_errors(connection: Connection, spec: FileSpec) -> list[Finding]:
    """Rows naming a customer, order or product that exists neither in the file set nor the DB."""
    stage = stage_table(spec.kind)
    found: list[Finding] = []
    if spec.kind == "products":
        found += _upgrade_errors(connection, spec)
    elif spec.kind == "orders":
        for line, ref in _unknown(connection, stage, "customer_ref", "customers"):
            found.append(Finding(line, "customer_id", f"unknown customer '{ref}'"))
    elif spec.kind in ("order_items", "returns"):
        for line, ref in _unknown(connection, stage, "order_ref", "orders"):
            found.append(Finding(line, "order_id", f"unknown order '{ref}'"))
        for line, ref in _unknown(connection, stage, "product_ref", "products"):
            found.append(Finding(line, "product_id", f"unknown product '{ref}'"))
    if spec.kind == "returns":
        joined = (
            f"FROM {stage} s JOIN orders o ON o.external_id = s.order_ref "
            "JOIN products p ON p.external_id = s.product_ref"
        )
        for line, order, product in _run(
            connection,
            f"SELECT s.line, s.order_ref, s.product_ref {joined} WHERE NOT EXISTS "
            "(SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.product_id = p.id)",
        ):
            found.append(
                Finding(line, "product_id", f"order '{order}' has no line for product '{product}'")
            )
        for (line,) in _run(
            connection, f"SELECT s.line {joined} WHERE s.returned_at < o.ordered_at"
        ):
            found.append(Finding(line, "returned_at", "before the order was placed"))
    found.sort(key=lambda f: f.line)
    return found


def _upgrade_errors(connection: Connection, spec: FileSpec) -> list[Finding]:
    """Self-upgrades, and upgrades to a product that is neither stored nor a valid row here.

    Refused rows are removed from the staging table as they are found, and the check runs
    again, so a product upgrading to a refused product is refused too (chains included).
    """
    stage = stage_table(spec.kind)
    found = [
        Finding(line, "upgrade_product_id", "a product cannot upgrade to itself")
        for (line,) in _run(connection, f"SELECT line FROM {stage} WHERE upgrade_ref = external_id")
    ]
    discard_lines(connection, spec, [f.line for f in found])
    while True:
        unknown = [
            Finding(line, "upgrade_product_id", f"unknown product '{ref}'")
            for line, ref in _run(
                connection,
                f"SELECT s.line, s.upgrade_ref FROM {stage} s WHERE s.upgrade_ref IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.external_id = s.upgrade_ref) "
                f"AND NOT EXISTS (SELECT 1 FROM {stage} o WHERE o.external_id = s.upgrade_ref)",
            )
        ]
        if not unknown:
            return found
        discard_lines(connection, spec, [f.line for f in unknown])
        found += unknown


def discard_lines(connection: Connection, spec: FileSpec, lines: Sequence[int]) -> None:
    """Remove refused rows from the staging table so they are not merged."""
    if not lines:
        return
    connection.execute(text("DROP TABLE IF EXISTS import_discard"))
    connection.execute(text("CREATE TEMPORARY TABLE import_discard (line BIGINT PRIMARY KEY)"))
    connection.execute(
        text("INSERT INTO import_discard (line) VALUES (:line)"),
        [{"line": line} for line in sorted(set(lines))],
    )
    connection.execute(
        text(
            f"DELETE FROM {stage_table(spec.kind)} WHERE line IN (SELECT line FROM import_discard)"
        )
    )
    connection.execute(text("DROP TABLE import_discard"))


def _is_empty(connection: Connection, table: str) -> bool:
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


def _merge(
    connection: Connection, target: _Target, present: frozenset[str], now: datetime
) -> MergeCounts:
    table = target.table
    if _is_empty(connection, table):
        with bulk_load(connection, table):
            return _merge_rows(connection, target, present, now, empty=True)
    counts = _merge_rows(connection, target, present, now, empty=False)
    analyze(connection, table)
    return counts


def _merge_rows(
    connection: Connection, target: _Target, present: frozenset[str], now: datetime, *, empty: bool
) -> MergeCounts:
    table, key = target.table, target.key
    counts = MergeCounts()
    updatable = [
        col for col, stage_col in target.values if stage_col is None or stage_col in present
    ]
    if updatable and not empty:
        distinct = _distinct(connection)
        assignments = [f"{col} = src.{col}" for col in updatable]
        if target.timestamps:
            assignments.append("updated_at = :now")
        matches = " AND ".join(f"{table}.{k} = src.{k}" for k in key)
        changed = " OR ".join(f"{table}.{col} {distinct} src.{col}" for col in updatable)
        result = _run(
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
    counts.inserted = _run(connection, sql, now if target.timestamps else None).rowcount
    return counts


def merge_unchecked(
    connection: Connection, spec: FileSpec, present: frozenset[str], now: datetime, staged: int
) -> MergeCounts | None:
    """First load into an empty table: merge without the upfront checks, if nothing is wrong.

    On a clean file (the common case for a first load) the duplicate and reference checks
    cost as much as the merge itself, and the merge finds the same problems for free: a row
    with an unknown reference falls out of its joins, and a repeated key breaks a unique
    constraint. Either way the savepoint is rolled back and None tells the caller to run
    the checks, which list each problem by line.
    """
    if spec.kind == "products" or not _is_empty(connection, spec.kind):
        return None
    savepoint = connection.begin_nested()
    try:
        counts = merge(connection, spec, present, now)
    except IntegrityError:
        savepoint.rollback()
        return None
    if counts.inserted != staged:
        savepoint.rollback()
        return None
    savepoint.commit()
    return counts


def merge(
    connection: Connection, spec: FileSpec, present: frozenset[str], now: datetime
) -> MergeCounts:
    """Insert new rows and update changed ones from the staging table."""
    if spec.kind == "customers":
        return _merge_customers(connection, present, now)
    stage = stage_table(spec.kind)
    if spec.kind == "products":
        counts = _merge(
            connection,
            _Target(
                table="products",
                source=f"SELECT external_id, name, short_name, category, price, "
                f"relaunched_at, improvement_note FROM {stage}",
                key=("external_id",),
                values=tuple(
                    (c, c)
                    for c in (
                        "name",
                        "short_name",
                        "category",
                        "price",
                        "relaunched_at",
                        "improvement_note",
                    )
                ),
                timestamps=True,
            ),
            present,
            now,
        )
        if "upgrade_ref" in present:
            counts.updated += _link_upgrades(connection, stage, now)
        return counts
    if spec.kind == "orders":
        counts = _merge(
            connection,
            _Target(
                table="orders",
                source=f"SELECT s.external_id, c.id AS customer_id, s.ordered_at, s.total, "
                f"s.currency, s.status FROM {stage} s "
                "JOIN customers c ON c.external_id = s.customer_ref",
                key=("external_id",),
                values=(
                    ("customer_id", None),
                    ("ordered_at", None),
                    ("total", None),
                    ("currency", "currency"),
                    ("status", "status"),
                ),
                timestamps=True,
            ),
            present,
            now,
        )
        if counts.updated:
            _propagate_order_changes(connection, stage)
        return counts
    joined = (
        f"FROM {stage} s JOIN orders o ON o.external_id = s.order_ref "
        "JOIN products p ON p.external_id = s.product_ref"
    )
    if spec.kind == "order_items":
        return _merge(
            connection,
            _Target(
                table="order_items",
                source="SELECT o.id AS order_id, p.id AS product_id, o.customer_id, o.ordered_at, "
                f"s.quantity, s.unit_price {joined}",
                key=("order_id", "product_id"),
                values=(
                    ("customer_id", None),
                    ("ordered_at", None),
                    ("quantity", "quantity"),
                    ("unit_price", "unit_price"),
                ),
                timestamps=False,
            ),
            present,
            now,
        )
    return _merge(
        connection,
        _Target(
            table="returns",
            source="SELECT o.id AS order_id, p.id AS product_id, s.returned_at, o.customer_id, "
            f"s.reason_code, s.note {joined} "
            # The same rules as find_reference_errors, so an unchecked merge drops such rows.
            "JOIN order_items i ON i.order_id = o.id AND i.product_id = p.id "
            "WHERE s.returned_at >= o.ordered_at",
            key=("order_id", "product_id", "returned_at"),
            values=(("customer_id", None), ("reason_code", "reason_code"), ("note", "note")),
            timestamps=False,
        ),
        present,
        now,
    )


def _link_upgrades(connection: Connection, stage: str, now: datetime) -> int:
    """Point products at their upgrade; returns how many rows not already updated changed."""
    links = (
        f"FROM {stage} s LEFT JOIN products u ON u.external_id = s.upgrade_ref "
        "WHERE products.external_id = s.external_id "
        f"AND products.upgrade_product_id {_distinct(connection)} u.id"
    )
    # Rows inserted or updated a moment ago carry updated_at = now and are counted already.
    newly_changed = _run(
        connection,
        f"SELECT count(*) FROM products WHERE updated_at <> :now AND EXISTS (SELECT 1 {links})",
        now,
    ).scalar_one()
    _run(
        connection, f"UPDATE products SET upgrade_product_id = u.id, updated_at = :now {links}", now
    )
    return int(newly_changed)


def _propagate_order_changes(connection: Connection, stage: str) -> None:
    """Keep the customer and date copied onto order lines and returns in step with orders."""
    distinct = _distinct(connection)
    _run(
        connection,
        "UPDATE order_items SET customer_id = o.customer_id, ordered_at = o.ordered_at "
        f"FROM orders o JOIN {stage} s ON s.external_id = o.external_id "
        f"WHERE order_items.order_id = o.id AND (order_items.customer_id {distinct} o.customer_id "
        f"OR order_items.ordered_at {distinct} o.ordered_at)",
    )
    _run(
        connection,
        "UPDATE returns SET customer_id = o.customer_id "
        f"FROM orders o JOIN {stage} s ON s.external_id = o.external_id "
        f"WHERE returns.order_id = o.id AND returns.customer_id {distinct} o.customer_id",
    )


_PLAIN_CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "timezone",
    "customer_since",
)


def _merge_customers(connection: Connection, present: frozenset[str], now: datetime) -> MergeCounts:
    if _is_empty(connection, "customers"):
        with bulk_load(connection, "customers"):
            return _merge_customer_rows(connection, present, now, empty=True)
    counts = _merge_customer_rows(connection, present, now, empty=False)
    analyze(connection, "customers")
    return counts


def _merge_customer_rows(
    connection: Connection, present: frozenset[str], now: datetime, *, empty: bool
) -> MergeCounts:
    stage = stage_table("customers")
    postgres = connection.dialect.name == "postgresql"
    distinct = _distinct(connection)
    counts = MergeCounts()
    if not empty:
        # A forgotten customer stays forgotten: their rows are dropped, not merged back.
        counts.forgotten_skipped = _run(
            connection,
            f"DELETE FROM {stage} WHERE external_id IN "
            "(SELECT external_id FROM customers WHERE forgotten_at IS NOT NULL)",
        ).rowcount
    revoked = ", ".join(f"'{s}'" for s in CUSTOMER_REVOCATION_SOURCES)
    new_attrs = (
        "COALESCE(CAST(s.attributes AS JSONB), '{}'::jsonb)"
        if postgres
        else "COALESCE(s.attributes, '{}')"
    )
    if not empty:
        sets = [f"{col} = s.{col}" for col in _PLAIN_CUSTOMER_COLUMNS if col in present]
        changes = [
            f"customers.{col} {distinct} s.{col}"
            for col in _PLAIN_CUSTOMER_COLUMNS
            if col in present
        ]
        for channel in ("sms", "email"):
            column = f"{channel}_consent"
            if column not in present:
                continue
            # Consent a customer withdrew is never switched back on by an import.
            # COALESCE: a never-set source (NULL) must read as "not withdrawn", not unknown.
            guard = (
                f"(s.{column} AND NOT customers.{column} "
                f"AND COALESCE(customers.{column}_source IN ({revoked}), false))"
            )
            changed = (
                f"(s.{column} IS NOT NULL AND s.{column} <> customers.{column} AND NOT {guard})"
            )
            counts.consent_kept_off += _run(
                connection,
                f"SELECT count(*) FROM {stage} s JOIN customers ON customers.external_id = "
                f"s.external_id WHERE {guard}",
            ).scalar_one()
            _run(
                connection,
                "INSERT INTO consent_events (customer_id, channel, consented, source, detail, "
                f"occurred_at) SELECT customers.id, '{channel}', s.{column}, 'import', NULL, :now "
                f"FROM {stage} s JOIN customers ON customers.external_id = s.external_id "
                f"WHERE {changed}",
                now,
            )
            sets += [
                f"{column} = CASE WHEN {changed} THEN s.{column} ELSE customers.{column} END",
                f"{column}_at = CASE WHEN {changed} THEN :now ELSE customers.{column}_at END",
                f"{column}_source = CASE WHEN {changed} THEN 'import' "
                f"ELSE customers.{column}_source END",
            ]
            changes.append(changed)
        if "attributes" in present:
            if postgres:
                sets.append(f"attributes = customers.attributes || {new_attrs}")
                changes.append(f"NOT (customers.attributes @> {new_attrs})")
            else:
                sets.append(f"attributes = json_patch(customers.attributes, {new_attrs})")
                merged = f"json_patch(customers.attributes, {new_attrs})"
                changes.append(f"{merged} IS NOT json(customers.attributes)")
        if changes:
            sets.append("updated_at = :now")
            counts.updated = _run(
                connection,
                f"UPDATE customers SET {', '.join(sets)} FROM {stage} s "
                f"WHERE customers.external_id = s.external_id AND ({' OR '.join(changes)})",
                now,
            ).rowcount
    consent = []
    for channel in ("sms", "email"):
        column = f"{channel}_consent"
        consent += [
            f"COALESCE(s.{column}, false)",
            f"CASE WHEN s.{column} IS NOT NULL THEN :now END",
            f"CASE WHEN s.{column} IS NOT NULL THEN 'import' END",
        ]
    columns = (
        ["external_id", *_PLAIN_CUSTOMER_COLUMNS]
        + [f"{ch}_consent{suffix}" for ch in ("sms", "email") for suffix in ("", "_at", "_source")]
        + ["attributes", "created_at", "updated_at"]
    )
    selected = (
        ["s.external_id"]
        + [f"s.{col}" for col in _PLAIN_CUSTOMER_COLUMNS]
        + consent
        + [new_attrs, ":now", ":now"]
    )
    sql = (
        f"INSERT INTO customers ({', '.join(columns)}) SELECT {', '.join(selected)} FROM {stage} s"
    )
    if not empty:
        sql += " WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.external_id)"
    counts.inserted = _run(connection, sql, now).rowcount
    return counts
