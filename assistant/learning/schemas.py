"""Learned examples over HTTP: what the routes return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from assistant.api.pagination import CursorPage


class ExampleRead(BaseModel):
    """One learned example: anonymised text, never the original."""

    id: int
    playbook: str
    channel: str = Field(description="How it was written: sms or email.")
    created_at: datetime
    text: str = Field(description="The approved text with [placeholders] for every fact.")
    removed_at: datetime | None
    removed_by: str | None


class ExamplesPage(CursorPage):
    """One page of learned examples, newest first."""

    examples: list[ExampleRead]
