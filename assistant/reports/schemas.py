"""Review analytics over HTTP: one row per group (see docs/reports.md)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

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
    since: date | None
    until: date | None
    groups: list[ReviewGroup]
