"""What `/api/v1/drafts` answers and accepts: a draft in full, a decision and its outcome.

`DraftDetail` is `assistant drafts show --format json` (`drafting.detail.draft_detail`).
Every decision body takes an optional `version`: the one the reviewer read (from a list or
the draft); when the draft has changed since, nothing is decided (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from assistant.api.pagination import CursorPage
from assistant.drafting.schemas import DraftRead
from assistant.review.outcomes import NOTE_MAX
from assistant.review.redraft import INSTRUCTION_MAX

VERSION = Field(
    None, ge=1, description="The version you reviewed; 409 when the draft changed since."
)


class CustomerRef(BaseModel):
    """Who the draft is for: the external id and first name (nothing more)."""

    id: str
    first_name: str | None


class FindingRead(BaseModel):
    """A guardrail finding on the draft's current text."""

    code: str
    severity: str
    message: str
    excerpt: str | None = None
    overridden: bool = False


class HistoryEntry(BaseModel):
    """One audit row of the draft: who did what, when, and what changed."""

    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    note: str | None = None
    reason: str | None = None
    instruction: str | None = None
    edit_distance: int | None = None
    error_code: str | None = None


class MessageRead(BaseModel):
    """The message the draft became, once scheduled."""

    id: int
    state: str
    scheduled_for: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    reason: str | None
    detail: str | None


class DraftDetail(BaseModel):
    """A draft in full: text, fact receipt (what it may use), findings, decisions, message."""

    id: int
    campaign_id: int | None
    customer: CustomerRef
    playbook: str
    channel: str
    state: str
    version: int
    regenerating_at: datetime | None
    subject: str | None
    body: str
    facts: dict[str, Any]
    findings: list[FindingRead]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    history: list[HistoryEntry]
    message: MessageRead | None
    # GET /drafts/{id} only: why this customer, key metrics, masked destination, consent,
    # guardrails and the planned send time, each with a `summary` (docs/review.md).
    explanation: dict[str, Any] | None = None


class DraftList(CursorPage):
    """One page of drafts in id order; `next_cursor` continues (None on the last page)."""

    drafts: list[DraftRead]


class Decision(BaseModel):
    """What became of a decision, and the draft after it."""

    message: str
    draft: DraftDetail


class ApproveRequest(BaseModel):
    """Approve the draft as it is."""

    version: int | None = VERSION


class EditRequest(BaseModel):
    """Replace the text (the guardrails run on it) and approve it."""

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        max_length=10_000, description="The new text."
    )
    subject: str | None = Field(
        None, max_length=500, description="Email only: the new subject (default: unchanged)."
    )
    version: int | None = VERSION


class RegenerateRequest(BaseModel):
    """Write the draft again, optionally following an instruction ("warmer", "shorter")."""

    instruction: str | None = Field(None, max_length=INSTRUCTION_MAX)
    version: int | None = VERSION


class RejectRequest(BaseModel):
    """Reject the draft, optionally saying why."""

    reason: str | None = Field(None, max_length=NOTE_MAX)
    version: int | None = VERSION


class OverrideRequest(BaseModel):
    """Accept the blocking guardrail findings, on record, with a reason."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = Field(
        max_length=NOTE_MAX, description="Why the findings are wrong (required)."
    )
    codes: list[str] | None = Field(
        None, description="The blocking codes overridden (default: all; each must be named)."
    )
    approve: bool = Field(
        False, description="Approve it in the same request (else it waits for approval)."
    )
    version: int | None = VERSION
