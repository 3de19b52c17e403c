"""Idempotency keys of ingest requests: claim a key, store its response, replay it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.models.ingest import IngestRequest

# How long a key's response is kept and replayed; after that the key may be used afresh.
IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    """The response a key got the first time."""

    status_code: int
    body: dict[str, Any]


class KeyReused(Exception):
    """The key was used for a request with another body (or another `atomic`)."""


def body_hash(records: Sequence[object], atomic: bool) -> str:
    """SHA-256 of the request's canonical JSON (key order and spacing do not matter)."""
    canonical = json.dumps(
        {"atomic": atomic, "records": records}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    session: Session, *, caller: str, kind: str, key: str, digest: str, now: datetime
) -> IngestRequest | StoredResponse:
    """Claim `key` for this request (the row to store the response in), or the response a
    previous request with it got. A concurrent request holding the key makes this wait
    for it (the unique key), then replay its response. Raises KeyReused."""
    found = _stored(session, caller, kind, key, digest, now)
    if found is not None:
        return found
    # Expired keys (this one included) go, so the key can be claimed again.
    session.execute(delete(IngestRequest).where(IngestRequest.created_at < now - IDEMPOTENCY_TTL))
    row = IngestRequest(
        caller=caller, kind=kind, idempotency_key=key, body_hash=digest, created_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = _stored(session, caller, kind, key, digest, now)
        if found is None:
            raise
        return found
    return row


def store_response(row: IngestRequest, status_code: int, body: dict[str, Any]) -> None:
    """Keep the response of the request that claimed `row` (committed with its records)."""
    row.status_code = status_code
    row.response = body


def _stored(
    session: Session, caller: str, kind: str, key: str, digest: str, now: datetime
) -> StoredResponse | None:
    row = session.scalars(
        select(IngestRequest).where(
            IngestRequest.caller == caller,
            IngestRequest.kind == kind,
            IngestRequest.idempotency_key == key,
            IngestRequest.created_at >= now - IDEMPOTENCY_TTL,
        )
    ).first()
    if row is None or row.status_code is None or row.response is None:
        return None
    if row.body_hash != digest:
        raise KeyReused(key)
    return StoredResponse(row.status_code, row.response)
