"""Campaign control over HTTP: what the routes take and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from assistant.api.pagination import CursorPage
from assistant.drafting.routes import CampaignBase, CampaignRead
from assistant.values import CleanText


class CampaignListItem(CampaignBase):
    """A campaign as listed: members by status and drafts by state."""

    members: dict[str, int]
    drafts: dict[str, int]


class CampaignsPage(CursorPage):
    """One page of campaigns, newest first, with the total of all campaigns."""

    total: int
    campaigns: list[CampaignListItem]


class CampaignDetail(CampaignRead):
    """Everything about one campaign: also its messages, tokens, cost and who paused it."""

    created_by: str | None
    updated_at: datetime
    messages: dict[str, int]
    message_reasons: dict[str, int]
    tokens_in: int
    tokens_out: int
    cost: float
    control: dict[str, Any]


class CancelBody(BaseModel):
    """Why the campaign is cancelled (kept with it and with each cancelled message)."""

    reason: CleanText | None = Field(None, max_length=500)


class ControlRead(BaseModel):
    """What a pause, resume or cancel did, and the campaign after it."""

    changed: bool
    messages: int
    drafts: int
    members: int
    sent: int
    pending: int
    drafting: bool = False
    campaign: CampaignDetail
