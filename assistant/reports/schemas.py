"""Reports over HTTP: one row per group (see docs/reports.md and docs/variants.md)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from assistant.reports.outcomes import OutcomeRow
from assistant.reports.send_time import SendTimeReport
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


class SendTimePolicyGroup(BaseModel):
    """One send-time policy's messages and replies (rates null when none were sent)."""

    policy: str = Field(description="learned, segment, brand, none, holdout or fixed.")
    sent: int
    replied: int = Field(description="Sent messages the customer replied to within reply_days.")
    reply_rate: float | None
    low: float | None = Field(description="95% Wilson interval, lower bound.")
    high: float | None = Field(description="95% Wilson interval, upper bound.")


class IntervalRead(BaseModel):
    """An estimate with its 95 % interval."""

    estimate: float
    low: float
    high: float


class Lift(IntervalRead):
    """Reply rate of learned minus holdout, with a 95% interval (Newcombe)."""


class SendTimeReportBody(BaseModel):
    """Reply rate per send-time policy and the learned - holdout lift (docs/send-time.md)."""

    since: date | None
    until: date | None
    reply_days: int
    min_per_arm: int
    policies: list[SendTimePolicyGroup]
    lift: Lift | None = Field(description="Null below min_per_arm messages in either arm.")
    verdict: str

    @classmethod
    def of(cls, report: SendTimeReport) -> SendTimeReportBody:
        return cls.model_validate(report, from_attributes=True)


class ArmRead(BaseModel):
    """Treated or holdout customers: how many, converted, revenue."""

    customers: int
    converted: int
    conversion_rate: float | None
    revenue: float
    revenue_per_customer: float | None


class HoldoutGroup(BaseModel):
    """One group's treated against holdout comparison (docs/reports.md, Holdouts)."""

    key: str = Field(description="The group: a playbook, campaign id or trigger.")
    campaigns: int
    treated: ArmRead
    holdout: ArmRead
    lift_points: IntervalRead | None = Field(
        description="Treated minus holdout conversion, in percentage points (Newcombe)."
    )
    revenue_difference: IntervalRead | None = Field(
        description="Treated minus holdout revenue per customer (Welch)."
    )
    probability_positive: float | None = Field(
        description="P(treated conversion > holdout conversion), Beta(1,1) priors."
    )
    enough_data: bool
    note: str


class HoldoutReport(BaseModel):
    """The holdout comparison for campaigns created in a window, grouped by one dimension."""

    by: str
    since: date | None
    until: date | None
    campaign: int | None
    attribution_days: int
    groups: list[HoldoutGroup]


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
