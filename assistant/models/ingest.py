"""Ingest requests sent with an `Idempotency-Key`: the first answer, replayed on a retry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, utcnow


class IngestRequest(Base):
    """One ingest request by key: the hash of its body and the response it got.

    The row is claimed (inserted) before the records are ingested, in the same transaction,
    so a concurrent retry waits on the unique key instead of ingesting a second time.
    """

    __tablename__ = "ingest_requests"
    __table_args__ = (
        UniqueConstraint("caller", "kind", "idempotency_key"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Whose key it is: `key:<api key id>`, or `bootstrap`; clients' keys never collide.
    caller: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    # Hex SHA-256 of the canonical JSON of the body and the `atomic` flag.
    body_hash: Mapped[str] = mapped_column(String(64))
    # NULL only while the claiming transaction runs (never seen committed).
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
