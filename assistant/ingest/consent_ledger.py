"""The consent ledger rows an import writes (assistant.consent.ledger), in set-based SQL.

Every consent change an import makes is recorded for the destination it is about (the
customer's phone or lower-cased email after the merge), with the import's evidence (the file,
or the API / Shopify delivery) and the staged row. An import that says `sms_consent=true` (or
`email_consent`) for an address the ledger holds no grant for records one: a new customer,
a changed number. A withdrawal by the customer themself recorded for the address is never
overridden. An `ai_consent` column records consent to AI-drafted messages per address.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from assistant.ingest.staging import stage_table
from assistant.ingest.upsert import run
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES

_REVOKED = ", ".join(f"'{s}'" for s in (*CUSTOMER_REVOCATION_SOURCES, "provider"))
ADDRESS_COLUMNS = {"sms": "phone", "email": "email"}
EVENT_COLUMNS = (
    "customer_id, channel, consented, source, detail, occurred_at, destination, purpose, evidence"
)


def destination_sql(channel: str, row: str) -> str:
    """The ledger destination of `row`'s address on `channel` (emails lower-cased)."""
    column = f"{row}.{ADDRESS_COLUMNS[channel]}"
    return f"lower({column})" if channel == "email" else column


def staged_destination_sql(channel: str, present: frozenset[str]) -> str:
    """The address a staged row leaves the customer with: the staged one when the column is
    present (even empty), else the customer's current one."""
    column = ADDRESS_COLUMNS[channel]
    return destination_sql(channel, "s" if column in present else "customers")


def evidence_sql(connection: Connection) -> str:
    """The evidence of a staged row: the import's `:evidence` and the row's line."""
    if connection.dialect.name == "postgresql":
        return "CAST(:evidence AS JSONB) || jsonb_build_object('row', s.line)"
    return "json_set(:evidence, '$.row', s.line)"


def evidence_param(evidence: Mapping[str, Any] | None, source: str) -> str:
    """The import-wide evidence as the JSON bound to `:evidence`."""
    return json.dumps({"import": source, **(evidence or {})}, sort_keys=True, default=str)


def _latest(channel: str, destination: str, value: str, purpose: str = "messages") -> str:
    return (
        f"(SELECT {value} FROM consent_events e WHERE e.channel = '{channel}' "
        f"AND e.purpose = '{purpose}' AND e.destination = {destination} "
        "ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1)"
    )


def record_grants(
    connection: Connection,
    now: datetime,
    source: str,
    evidence: str,
    channels: tuple[str, ...],
) -> None:
    """After the merge: a grant for each staged customer whose consent on a channel is on
    (as staged) while the ledger holds no grant for their address there, nor a withdrawal
    by the customer themself."""
    stage = stage_table("customers")
    for channel in channels:
        column = f"{channel}_consent"
        destination = destination_sql(channel, "c")
        blocks = _latest(
            channel, destination, f"CASE WHEN e.consented OR e.source IN ({_REVOKED}) THEN 1 END"
        )
        # A ledger without a row for the channel (a first load) blocks nothing: no lookup
        # per customer then.
        unblocked = f"AND {blocks} IS NULL" if _has_rows(connection, channel) else ""
        run(
            connection,
            f"INSERT INTO consent_events ({EVENT_COLUMNS}) SELECT c.id, '{channel}', true, "
            f":source, NULL, COALESCE(s.{column}_at, :now), {destination}, 'messages', "
            f"{evidence_sql(connection)} "
            f"FROM {stage} s JOIN customers c ON c.external_id = s.external_id "
            f"WHERE s.{column} AND c.{column} AND {destination} IS NOT NULL {unblocked}",
            now,
            source=source,
            evidence=evidence,
        )


def _has_rows(connection: Connection, channel: str, purpose: str = "messages") -> bool:
    """Whether the ledger holds any row for `channel` and `purpose` (one index probe)."""
    found = run(
        connection,
        "SELECT 1 FROM consent_events WHERE channel = :channel AND purpose = :purpose LIMIT 1",
        channel=channel,
        purpose=purpose,
    )
    return found.first() is not None


def record_ai_consent(connection: Connection, now: datetime, source: str, evidence: str) -> None:
    """The staged `ai_consent` of each customer, recorded per address where it changes."""
    stage = stage_table("customers")
    for channel in ADDRESS_COLUMNS:
        destination = destination_sql(channel, "c")
        current = _latest(channel, destination, "e.consented", purpose="ai_drafted")
        run(
            connection,
            f"INSERT INTO consent_events ({EVENT_COLUMNS}) SELECT c.id, '{channel}', "
            f"s.ai_consent, :source, NULL, :now, {destination}, 'ai_drafted', "
            f"{evidence_sql(connection)} "
            f"FROM {stage} s JOIN customers c ON c.external_id = s.external_id "
            f"WHERE s.ai_consent IS NOT NULL AND {destination} IS NOT NULL "
            f"AND COALESCE({current}, false) <> s.ai_consent",
            now,
            source=source,
            evidence=evidence,
        )
