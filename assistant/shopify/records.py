"""Writing mapped Shopify records through the ingest service, and telling triggers which
customers changed. The one place this domain touches assistant.ingest."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from assistant.ingest.hooks import customers_touched
from assistant.ingest.records import ingest_records

log = logging.getLogger(__name__)

CONSENT_SOURCE = "shopify"
# The order kinds are written in, so references resolve against what came before.
KINDS = ("products", "customers", "orders", "order_items", "returns")
# Records per ingest call (the service stages each call's records in one table).
BATCH = 500


@dataclass
class Written:
    """What one batch of records did."""

    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    customer_ids: list[int] = field(default_factory=list)
    # The first few refusals, as `kind[index].field: reason` (no values: they may be personal).
    reasons: list[str] = field(default_factory=list)

    def add(self, other: Written) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.rejected += other.rejected
        self.customer_ids += other.customer_ids
        self.reasons += other.reasons[: max(0, 5 - len(self.reasons))]


class RecordWriter(Protocol):
    """Writes records of one kind within the session's transaction."""

    def __call__(
        self,
        session: Session,
        kind: str,
        records: Sequence[dict[str, Any]],
        evidence: Mapping[str, Any] | None = None,
    ) -> Written: ...


def with_evidence(write: RecordWriter, base: Mapping[str, Any]) -> RecordWriter:
    """`write` recording `evidence` (e.g. the Shopify webhook's id) with consent changes."""

    def written(
        session: Session,
        kind: str,
        records: Sequence[dict[str, Any]],
        evidence: Mapping[str, Any] | None = None,
    ) -> Written:
        return write(session, kind, records, {**base, **(evidence or {})})

    return written


def write_records(
    session: Session,
    kind: str,
    records: Sequence[dict[str, Any]],
    evidence: Mapping[str, Any] | None = None,
) -> Written:
    """Upsert `records` of `kind` by external id through the ingest service (consent never
    re-granted against a customer's own withdrawal: the service enforces it). `evidence`
    (the webhook's id, the sync) goes into the consent ledger with each change."""
    written = Written()
    for start in range(0, len(records), BATCH):
        written.add(_write_batch(session, kind, records[start : start + BATCH], evidence))
    return written


def _write_batch(
    session: Session,
    kind: str,
    records: Sequence[dict[str, Any]],
    evidence: Mapping[str, Any] | None,
) -> Written:
    report = ingest_records(
        session,
        kind,
        list(records),
        consent_source=CONSENT_SOURCE,
        consent_evidence=evidence or {"shopify": "sync"},
    )
    reasons = [f"{kind}[{e.index}].{e.field}: {e.reason}" for e in report.errors[:5]]
    if report.errors:
        log.warning("shopify.records_refused kind=%s count=%d", kind, len(report.errors))
    return Written(
        inserted=report.inserted,
        updated=report.updated,
        rejected=report.rejected,
        customer_ids=list(report.customer_ids),
        reasons=reasons,
    )


def touched(session: Session, customer_ids: Sequence[int]) -> None:
    """Hand the customers a batch changed to the triggers (assistant.ingest.hooks)."""
    if customer_ids:
        customers_touched(session, sorted(set(customer_ids)))
