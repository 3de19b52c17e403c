"""Drafts as the API lists them (`/api/v1/drafts`, `/api/v1/campaigns/{id}/drafts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from assistant.api.pagination import CursorPage
from assistant.models import Draft


class DraftRead(BaseModel):
    """A draft with its fact receipt and guardrail findings, and where its review stands."""

    id: int
    campaign_id: int | None
    customer_id: str
    playbook: str
    channel: str
    state: str
    version: int
    regenerating: bool
    subject: str | None
    body: str
    facts: dict[str, Any]
    findings: dict[str, Any]
    prompt_version: str | None
    variant: str | None = Field(None, description="The A/B variant it was written with.")
    model: str | None
    tokens_in: int
    tokens_out: int
    attempts: int
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, draft: Draft, customer_id: str) -> DraftRead:
        """The draft with its customer's external id."""
        return cls(
            id=draft.id,
            campaign_id=draft.campaign_id,
            customer_id=customer_id,
            playbook=draft.playbook,
            channel=draft.channel,
            state=draft.state,
            version=draft.version,
            regenerating=draft.regenerating_at is not None,
            subject=draft.subject,
            body=draft.body,
            facts=draft.facts or {},
            findings=draft.findings or {},
            prompt_version=draft.prompt_version,
            variant=draft.variant,
            model=draft.model,
            tokens_in=draft.tokens_in,
            tokens_out=draft.tokens_out,
            attempts=draft.attempts,
            created_at=draft.created_at,
            decided_by=draft.decided_by,
            decided_at=draft.decided_at,
        )


class DraftsPage(CursorPage):
    """One page of a campaign's drafts in id order, with how many match in all."""

    campaign_id: int
    total: int
    drafts: list[DraftRead]
