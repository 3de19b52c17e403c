"""`POST /api/v1/ingest/{kind}`: store a batch of records, with an optional Idempotency-Key.

200 with the report when every record was stored, or some were (`rejected` > 0 and
`errors` say which to fix and resend); 422 problem (`type` records-refused, the report in
it) when nothing was stored: every record refused, or `atomic=true` and any one refused.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from assistant.api.deps import Caller, IngestKey, SessionDep
from assistant.api.problems import MEDIA_TYPE, problem
from assistant.ingest import hooks, repository
from assistant.ingest.records import RecordsRejected, ingest_records
from assistant.ingest.schemas import (
    IDEMPOTENCY_KEY_REUSED,
    RECORDS_REFUSED,
    IngestBatch,
    IngestReportRead,
    RecordsRefusedProblem,
)
from assistant.ingest.specs import RECORD_KINDS
from assistant.models.base import utcnow
from assistant.models.ingest import IngestRequest

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/ingest", tags=["ingest"])

# The source consent changes made through this API record.
CONSENT_SOURCE = "api"


def known_kind(kind: str) -> str:
    """The path's kind, or 404 (before the body is looked at)."""
    if kind not in RECORD_KINDS:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"No record kind {kind!r}; one of: {', '.join(RECORD_KINDS)}.",
        )
    return kind


def _caller_id(caller: Caller) -> str:
    return f"key:{caller.key_id}" if caller.key_id is not None else caller.name


@router.post(
    "/{kind}",
    response_model=IngestReportRead,
    responses={
        422: {
            "description": "Nothing was stored: every record refused, or `atomic` and one "
            "was (`type` records-refused, with the report); or the Idempotency-Key was used "
            "with another body (`type` idempotency-key-reused); or the body is not valid.",
            "model": RecordsRefusedProblem,
            "content": {MEDIA_TYPE: {}},
        }
    },
)
def ingest(
    caller: IngestKey,
    kind: Annotated[str, Depends(known_kind)],
    batch: IngestBatch,
    session: SessionDep,
    atomic: Annotated[
        bool, Query(description="Store nothing unless every record is valid.")
    ] = False,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=200,
            description="Replays the first response to a retry with the same key and body "
            "for 24 hours, without ingesting again.",
        ),
    ] = None,
) -> Any:
    """Insert or update records of `kind` (products, customers, orders, order_items,
    returns, events) by their external ids, as the CSV import does."""
    claimed: IngestRequest | None = None
    if idempotency_key is not None:
        digest = repository.body_hash(batch.records, atomic)
        try:
            found = repository.claim(
                session,
                caller=_caller_id(caller),
                kind=kind,
                key=idempotency_key,
                digest=digest,
                now=utcnow(),
            )
        except repository.KeyReused:
            return problem(
                422,
                "This Idempotency-Key was used with another body; use a new key.",
                type=IDEMPOTENCY_KEY_REUSED,
            )
        if isinstance(found, repository.StoredResponse):
            return _respond(found.status_code, found.body, replayed=True)
        claimed = found
    status_code, body = _ingest(session, kind, batch, atomic)
    if claimed is not None:
        repository.store_response(claimed, status_code, body)
    return _respond(status_code, body)


def _ingest(
    session: Session, kind: str, batch: IngestBatch, atomic: bool
) -> tuple[int, dict[str, Any]]:
    """(status, body) of ingesting `batch`; the records are stored unless 422."""
    try:
        report = ingest_records(
            session,
            kind,
            batch.records,
            atomic=atomic,
            consent_source=CONSENT_SOURCE,
            consent_evidence={"api": f"/api/v1/ingest/{kind}"},
        )
    except RecordsRejected as refused:
        report = refused.report
    else:
        hooks.customers_touched(session, report.customer_ids)
    read = IngestReportRead.of(report).model_dump()
    log.info(
        "ingest.records kind=%s received=%d inserted=%d updated=%d rejected=%d",
        kind,
        report.received,
        report.inserted,
        report.updated,
        report.rejected,
    )
    stored_nothing = report.rejected and (atomic or report.rejected == report.received)
    if not stored_nothing:
        return 200, read
    detail = f"{report.rejected} of {report.received} record(s) refused; nothing was stored."
    document = problem(422, detail, type=RECORDS_REFUSED, **read)
    return 422, json.loads(bytes(document.body))


def _respond(status_code: int, body: dict[str, Any], replayed: bool = False) -> JSONResponse:
    return JSONResponse(
        body,
        status_code=status_code,
        media_type="application/json" if status_code < 400 else MEDIA_TYPE,
        headers={"Idempotent-Replayed": "true"} if replayed else None,
    )
