"""The customers merge: plain columns, attributes, and consent with where it came from.

Consent a customer withdrew with us (`CUSTOMER_REVOCATION_SOURCES`) is never switched back
on by an import, whatever its source (a CSV, the API, a Shopify sync). A staged
`sms_consent_at` / `email_consent_at` dates a consent change instead of the import's time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from assistant.ingest import consent_ledger as ledger_sql
from assistant.ingest.staging import stage_table
from assistant.ingest.upsert import MergeCounts, analyze, bulk_load, distinct, is_empty, run
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES

_PLAIN_CUSTOMER_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "timezone",
    "customer_since",
)
_CHANNELS = ("sms", "email")


def merge_customers(
    connection: Connection,
    present: frozenset[str],
    now: datetime,
    consent_source: str,
    *,
    bulk: bool = True,
    evidence: Mapping[str, Any] | None = None,
) -> MergeCounts:
    """Upsert the staged customers; consent changes are recorded as from `consent_source`,
    in the ledger with `evidence` (e.g. the file's name) and the staged row's line.

    `bulk` as in `upsert.merge_target`.
    """
    if consent_source in CUSTOMER_REVOCATION_SOURCES:
        raise ValueError(f"{consent_source!r} is the customer's own source, not an import's")
    proof = ledger_sql.evidence_param(evidence, consent_source)
    if bulk and is_empty(connection, "customers"):
        with bulk_load(connection, "customers"):
            counts = _merge_customer_rows(
                connection, present, now, consent_source, proof, empty=True
            )
    else:
        counts = _merge_customer_rows(connection, present, now, consent_source, proof, empty=False)
    channels = tuple(c for c in _CHANNELS if f"{c}_consent" in present)
    ledger_sql.record_grants(connection, now, consent_source, proof, channels)
    if "ai_consent" in present:
        ledger_sql.record_ai_consent(connection, now, consent_source, proof)
    if bulk:
        analyze(connection, "customers")
    return counts


def _merge_customer_rows(
    connection: Connection,
    present: frozenset[str],
    now: datetime,
    source: str,
    evidence: str,
    *,
    empty: bool,
) -> MergeCounts:
    stage = stage_table("customers")
    postgres = connection.dialect.name == "postgresql"
    is_distinct = distinct(connection)
    counts = MergeCounts()
    if not empty:
        # A forgotten customer stays forgotten: their rows are dropped, not merged back.
        counts.forgotten_skipped = run(
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
            f"customers.{col} {is_distinct} s.{col}"
            for col in _PLAIN_CUSTOMER_COLUMNS
            if col in present
        ]
        for channel in _CHANNELS:
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
            at = f"COALESCE(s.{column}_at, :now)"
            counts.consent_kept_off += run(
                connection,
                f"SELECT count(*) FROM {stage} s JOIN customers ON customers.external_id = "
                f"s.external_id WHERE {guard}",
            ).scalar_one()
            destination = ledger_sql.staged_destination_sql(channel, present)
            run(
                connection,
                f"INSERT INTO consent_events ({ledger_sql.EVENT_COLUMNS}) SELECT customers.id, "
                f"'{channel}', s.{column}, :source, NULL, {at}, {destination}, 'messages', "
                f"{ledger_sql.evidence_sql(connection)} "
                f"FROM {stage} s JOIN customers ON customers.external_id = s.external_id "
                f"WHERE {changed}",
                now,
                source=source,
                evidence=evidence,
            )
            sets += [
                f"{column} = CASE WHEN {changed} THEN s.{column} ELSE customers.{column} END",
                f"{column}_at = CASE WHEN {changed} THEN {at} ELSE customers.{column}_at END",
                f"{column}_source = CASE WHEN {changed} THEN :source "
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
            counts.updated = run(
                connection,
                f"UPDATE customers SET {', '.join(sets)} FROM {stage} s "
                f"WHERE customers.external_id = s.external_id AND ({' OR '.join(changes)})",
                now,
                source=source,
            ).rowcount
    consent = []
    for channel in _CHANNELS:
        column = f"{channel}_consent"
        consent += [
            f"COALESCE(s.{column}, false)",
            f"CASE WHEN s.{column} IS NOT NULL THEN COALESCE(s.{column}_at, :now) END",
            f"CASE WHEN s.{column} IS NOT NULL THEN :source END",
        ]
    columns = (
        ["external_id", *_PLAIN_CUSTOMER_COLUMNS]
        + [f"{ch}_consent{suffix}" for ch in _CHANNELS for suffix in ("", "_at", "_source")]
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
    counts.inserted = run(connection, sql, now, source=source).rowcount
    return counts
