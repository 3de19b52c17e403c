"""Review analytics over HTTP: one row per group (see docs/reports.md)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from assistant.reports.outcomes import OutcomeRow
from assistant.reports.service import ReviewRow


class ReviewGroup(BaseModel):
    """One group's review numbers; rates and averages are null when nothing was counted."""

    key: str = Field(description="The group: a playbook, reviewer, ISO week (2026-W48), ...")
    drafted: int
    decided: int
    approved: int
    approved_unchanged: int
    edited: int
    rejected: int
    regenerated: int
    overridden: int
    approval_rate: float | None
    edit_rate: float | None
    rejection_rate: float | None
    median_minutes_to_decision: float | None
    mean_edit_distance: float | None
    median_edit_distance: float | None
    rejection_reasons: dict[str, int]
    findings: dict[str, int]

    @classmethod
    def of(cls, row: ReviewRow) -> ReviewGroup:
        return cls.model_validate(row, from_attributes=True)


class ReviewReport(BaseModel):
    """Review analytics for a window, grouped by one dimension."""

    by: str
    playbook: str | None = Field(None, description="Only this playbook's drafts, if given.")
    since: date | None
    until: date | None
    groups: list[ReviewGroup]


class OutcomeGroup(BaseModel):
    """One group's funnel, from draft to attributed order; money in the store's currency."""

    key: str = Field(description="The group: a campaign id, trigger, ISO week (2026-W48), ...")
    drafted: int
    approved: int
    sent: int
    delivered: int
    replied: int
    opted_out: int
    converted: int = Field(description="Sent messages with at least one attributed order.")
    orders: int = Field(description="Orders attributed (last touch, once each).")
    orders_after_reply: int = Field(description="Attributed orders the customer replied before.")
    revenue: float
    revenue_per_message: float | None = Field(description="Revenue per sent message.")
    sms_segments: int
    emails: int
    llm_cost: float
    provider_cost: float
    cost: float

    @classmethod
    def of(cls, row: OutcomeRow) -> OutcomeGroup:
        return cls.model_validate(row, from_attributes=True)


class OutcomeReport(BaseModel):
    """Outcomes for a window, grouped by one dimension."""

    by: str
    since: date | None
    until: date | None
    campaign: int | None
    attribution_days: int
    groups: list[OutcomeGroup]
