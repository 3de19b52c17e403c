"""After staging: check duplicates and references, drop refused rows, merge; shared by
the CSV import and record batches (the API), so both store the same rows for the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from assistant.ingest import merge as merging
from assistant.ingest.specs import FileSpec
from assistant.metrics.pending import mark_changed_customers


def _quiet(_description: str) -> None:
    pass


def check_and_merge(
    connection: Connection,
    spec: FileSpec,
    present: frozenset[str],
    now: datetime,
    staged: int,
    *,
    consent_source: str = "import",
    consent_evidence: Mapping[str, Any] | None = None,
    bulk: bool = True,
    phase: Callable[[str], None] = _quiet,
) -> tuple[merging.MergeCounts, list[merging.Finding]]:
    """Merge the staging table of `spec`; returns the counts and the rows refused by SQL checks.

    `bulk` (files) first tries the check-free merge of a first load (`merge_unchecked`) and
    loads empty tables as `upsert.bulk_load` does; a small batch (records) does neither.
    The customers of the merged rows are marked for the next metrics refresh.
    """
    phase("writing")
    counts = (
        merging.merge_unchecked(
            connection,
            spec,
            present,
            now,
            staged,
            consent_source=consent_source,
            consent_evidence=consent_evidence,
        )
        if bulk
        else None
    )
    findings: list[merging.Finding] = []
    if counts is None:
        phase("checking duplicates and references")
        findings = merging.find_duplicates(connection, spec)
        findings += merging.find_reference_errors(connection, spec)
        merging.discard_lines(connection, spec, [f.line for f in findings])
        phase("writing")
        counts = merging.merge(
            connection,
            spec,
            present,
            now,
            consent_source=consent_source,
            bulk=bulk,
            consent_evidence=consent_evidence,
        )
    mark_changed_customers(connection, spec.kind)
    return counts, findings
