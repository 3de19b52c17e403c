"""Set-based checks and merges from a staging table into the real tables.

Every statement here touches all rows of a file at once. Merges are idempotent: rows that
are already identical are not updated, so re-importing the same files changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from assistant.ingest.customers_merge import merge_customers
from assistant.ingest.specs import FileSpec
from assistant.ingest.staging import stage_table
from assistant.ingest.upsert import MergeCounts, Target, distinct, is_empty, merge_target, run

__all__ = ["Finding", "MergeCounts", "discard_lines", "find_duplicates", "merge"]


@dataclass(frozen=True)
class Finding:
    """A row refused by a set-based check."""

    line: int
    column: str | None
    reason: str


def find_duplicates(connection: Connection, spec: FileSpec) -> list[Finding]:
    """Every repeat of a key within the file (the first occurrence is kept)."""
    stage = stage_table(spec.kind)
    key = ", ".join(spec.key)
    rows = run(
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
        run(
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
    elif spec.kind == "events":
        for line, ref in _unknown(connection, stage, "customer_ref", "customers"):
            found.append(Finding(line, "customer_id", f"unknown customer '{ref}'"))
        for line, ref in _unknown(connection, stage, "product_ref", "products"):
            found.append(Finding(line, "product_id", f"unknown product '{ref}'"))
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
        for line, order, product in run(
            connection,
            f"SELECT s.line, s.order_ref, s.product_ref {joined} WHERE NOT EXISTS "
            "(SELECT 1 FROM order_items i WHERE i.order_id = o.id AND i.product_id = p.id)",
        ):
            found.append(
                Finding(line, "product_id", f"order '{order}' has no line for product '{product}'")
            )
        for (line,) in run(
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
        for (line,) in run(connection, f"SELECT line FROM {stage} WHERE upgrade_ref = external_id")
    ]
    discard_lines(connection, spec, [f.line for f in found])
    while True:
        unknown = [
            Finding(line, "upgrade_product_id", f"unknown product '{ref}'")
            for line, ref in run(
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


def merge_unchecked(
    connection: Connection,
    spec: FileSpec,
    present: frozenset[str],
    now: datetime,
    staged: int,
    *,
    consent_source: str = "import",
    consent_evidence: Mapping[str, Any] | None = None,
) -> MergeCounts | None:
    """First load into an empty table: merge without the upfront checks, if nothing is wrong.

    On a clean file (the common case for a first load) the duplicate and reference checks
    cost as much as the merge itself, and the merge finds the same problems for free: a row
    with an unknown reference falls out of its joins, and a repeated key breaks a unique
    constraint. Either way the savepoint is rolled back and None tells the caller to run
    the checks, which list each problem by line.
    """
    # Products check upgrade chains; an event's unknown product would not fall out of its join.
    if spec.kind in ("products", "events") or not is_empty(connection, spec.kind):
        return None
    savepoint = connection.begin_nested()
    try:
        counts = merge(
            connection,
            spec,
            present,
            now,
            consent_source=consent_source,
            consent_evidence=consent_evidence,
        )
    except IntegrityError:
        savepoint.rollback()
        return None
    if counts.inserted != staged:
        savepoint.rollback()
        return None
    savepoint.commit()
    return counts


def merge(
    connection: Connection,
    spec: FileSpec,
    present: frozenset[str],
    now: datetime,
    *,
    consent_source: str = "import",
    bulk: bool = True,
    consent_evidence: Mapping[str, Any] | None = None,
) -> MergeCounts:
    """Insert new rows and update changed ones from the staging table.

    `consent_source` is what customers' consent changes record as their source; `bulk` as
    in `upsert.merge_target` (False for small batches).
    """
    if spec.kind == "customers":
        return merge_customers(
            connection, present, now, consent_source, bulk=bulk, evidence=consent_evidence
        )
    stage = stage_table(spec.kind)
    if spec.kind == "events":
        target = _events_target(connection, stage)
        return merge_target(connection, target, present, now, bulk=bulk)
    if spec.kind == "products":
        counts = merge_target(
            connection,
            Target(
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
            bulk=bulk,
        )
        if "upgrade_ref" in present:
            counts.updated += _link_upgrades(connection, stage, now)
        return counts
    if spec.kind == "orders":
        counts = merge_target(
            connection,
            Target(
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
            bulk=bulk,
        )
        if counts.updated:
            _propagate_order_changes(connection, stage)
        return counts
    joined = (
        f"FROM {stage} s JOIN orders o ON o.external_id = s.order_ref "
        "JOIN products p ON p.external_id = s.product_ref"
    )
    if spec.kind == "order_items":
        return merge_target(
            connection,
            Target(
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
            bulk=bulk,
        )
    return merge_target(
        connection,
        Target(
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
        bulk=bulk,
    )


def _events_target(connection: Connection, stage: str) -> Target:
    """Events by their external id; events without one are always new rows."""
    properties = (
        "COALESCE(CAST(s.properties AS JSONB), '{}'::jsonb)"
        if connection.dialect.name == "postgresql"
        else "COALESCE(s.properties, '{}')"
    )
    return Target(
        table="events",
        source=f"SELECT s.external_id, c.id AS customer_id, s.kind, s.occurred_at, "
        f"p.id AS product_id, {properties} AS properties FROM {stage} s "
        "JOIN customers c ON c.external_id = s.customer_ref "
        "LEFT JOIN products p ON p.external_id = s.product_ref",
        key=("external_id",),
        values=(
            ("customer_id", None),
            ("kind", None),
            ("occurred_at", None),
            ("product_id", "product_ref"),
            ("properties", "properties"),
        ),
        timestamps=False,
    )


def _link_upgrades(connection: Connection, stage: str, now: datetime) -> int:
    """Point products at their upgrade; returns how many rows not already updated changed."""
    links = (
        f"FROM {stage} s LEFT JOIN products u ON u.external_id = s.upgrade_ref "
        "WHERE products.external_id = s.external_id "
        f"AND products.upgrade_product_id {distinct(connection)} u.id"
    )
    # Rows inserted or updated a moment ago carry updated_at = now and are counted already.
    newly_changed = run(
        connection,
        f"SELECT count(*) FROM products WHERE updated_at <> :now AND EXISTS (SELECT 1 {links})",
        now,
    ).scalar_one()
    run(
        connection, f"UPDATE products SET upgrade_product_id = u.id, updated_at = :now {links}", now
    )
    return int(newly_changed)


def _propagate_order_changes(connection: Connection, stage: str) -> None:
    """Keep the customer and date copied onto order lines and returns in step with orders."""
    differs = distinct(connection)
    run(
        connection,
        "UPDATE order_items SET customer_id = o.customer_id, ordered_at = o.ordered_at "
        f"FROM orders o JOIN {stage} s ON s.external_id = o.external_id "
        f"WHERE order_items.order_id = o.id AND (order_items.customer_id {differs} o.customer_id "
        f"OR order_items.ordered_at {differs} o.ordered_at)",
    )
    run(
        connection,
        "UPDATE returns SET customer_id = o.customer_id "
        f"FROM orders o JOIN {stage} s ON s.external_id = o.external_id "
        f"WHERE returns.order_id = o.id AND returns.customer_id {differs} o.customer_id",
    )
