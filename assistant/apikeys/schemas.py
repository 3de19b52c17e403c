"""API keys over HTTP: what the routes take and return (never a stored hash)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.api.pagination import CursorPage

ScopeName = Literal["ingest", "review", "admin"]


class ApiKeyCreate(BaseModel):
    """A key to create: its name (unique among keys in use) and scope."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=64,
        description="Who or what holds the key, e.g. `shopify-sync`: letters, digits, _ . : @ -.",
    )
    scope: ScopeName = Field(
        description="ingest (store data in), review (read and review) or admin (everything)."
    )


class ApiKeyRead(BaseModel):
    """A key as listed: its public prefix, never the key."""

    id: int
    name: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """A key just created, with the key itself: shown this once, store it now."""

    key: str = Field(description="The bearer key. Shown only in this answer; not stored.")


class ApiKeysPage(CursorPage):
    """One page of keys, newest first, in use and revoked."""

    api_keys: list[ApiKeyRead]
