"""Reports over HTTP: one row per group (see docs/reports.md and docs/variants.md)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from assistant.reports.outcomes import OutcomeRow
from assistant.reports.service import ReviewRow
from assistant.reports.variants import PlaybookVariants


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


class IntervalRead(BaseModel):
    """An estimate with its 95% interval."""

    estimate: float
    low: float
    high: float


class VariantGroup(BaseModel):
    """One variant's messages and rates (intervals null when nothing was sent)."""

    variant: str
    sent: int = Field(description="Sent or delivered marketing messages of its drafts.")
    delivered: int
    replied: int
    converted: int
    revenue: float
    reply_rate: IntervalRead | None = Field(description="Wilson 95% interval.")
    conversion_rate: IntervalRead | None = Field(description="Wilson 95% interval.")
    revenue_per_message: IntervalRead | None = Field(
        description="Normal 95% interval from the per-message revenue variance."
    )
    enough_data: bool


class LeadRead(BaseModel):
    """Which variant leads on one metric, and whether the intervals overlap."""

    metric: str
    leader: str
    runner_up: str
    overlap: bool


class PlaybookVariantReport(BaseModel):
    """One playbook's test: the verdict, the promotion if one stands, its variants."""

    playbook: str
    min_sent: int
    enough_data: bool
    verdict: str
    promoted: str | None
    variants: list[VariantGroup]
    leads: list[LeadRead]

    @classmethod
    def of(cls, report: PlaybookVariants) -> PlaybookVariantReport:
        return cls.model_validate(report, from_attributes=True)


class VariantReport(BaseModel):
    """The variant report for a window."""

    since: date | None
    until: date | None
    attribution_days: int
    min_sent: int
    playbooks: list[PlaybookVariantReport]
