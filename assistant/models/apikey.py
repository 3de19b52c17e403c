"""API keys stored by their hash: who may call `/api/v1`, with which scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, utcnow


class ApiKey(Base):
    """One key: its public prefix and the SHA-256 of the whole key, never the key itself."""

    __tablename__ = "api_keys"
    __table_args__ = (
        # A name is unique among the keys still in use; a revoked key frees its name.
        Index(
            None,
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # ingest | review | admin
    scope: Mapped[str] = mapped_column(String(16))
    # The public part of the key (`ak_<prefix>_...`): how a key is found and listed.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    # Hex SHA-256 of the whole key.
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
