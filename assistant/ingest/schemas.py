"""The bodies of `POST /api/v1/ingest/{kind}`: a batch of records and its report."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.ingest.records import MAX_RECORDS, RecordsReport

# Problem `type`s a client can branch on (RFC 9457 allows any URI; these are names only).
RECORDS_REFUSED = "urn:assistant:problem:records-refused"
IDEMPOTENCY_KEY_REUSED = "urn:assistant:problem:idempotency-key-reused"


class IngestBatch(BaseModel):
    """Up to 1,000 records of one kind; fields are the CSV columns of that kind."""

    model_config = ConfigDict(extra="forbid")

    records: list[dict[str, Any]] = Field(
        max_length=MAX_RECORDS,
        description=f"At most {MAX_RECORDS} records; each a JSON object of the kind's fields "
        "(string, number, boolean or null; `properties` of an event an object).",
        examples=[[{"customer_id": "C1", "email": "ana@example.com", "sms_consent": True}]],
    )


class RecordErrorRead(BaseModel):
    """Why one record was refused: its 0-based index in `records` and the field, if one."""

    index: int
    field: str | None
    reason: str


class IngestReportRead(BaseModel):
    """What happened to the batch. `errors` lists every refused record's reasons."""

    kind: str
    received: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    consent_kept_off: int = Field(
        description="Records asking to turn on consent the customer withdrew: kept off."
    )
    forgotten_skipped: int = Field(description="Records of forgotten customers: not stored.")
    errors: list[RecordErrorRead]

    @classmethod
    def of(cls, report: RecordsReport) -> IngestReportRead:
        return cls(
            kind=report.kind,
            received=report.received,
            inserted=report.inserted,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            consent_kept_off=report.consent_kept_off,
            forgotten_skipped=report.forgotten_skipped,
            errors=[
                RecordErrorRead(index=e.index, field=e.field, reason=e.reason)
                for e in report.errors
            ],
        )


class RecordsRefusedProblem(IngestReportRead):
    """422 when nothing was stored: an RFC 9457 problem carrying the report."""

    type: str = RECORDS_REFUSED
    title: str
    status: int
    detail: str
