"""API and `--format json` shapes of triggers, run summaries and explanations."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from assistant.triggers.config import Trigger
from assistant.triggers.service import Explanation, RunReport


class StepInfo(BaseModel):
    """A follow-up step of a trigger."""

    step: int
    after_days: int
    brief: str
    prompt: str | None
    label: str | None
    channel: str | None


class TriggerInfo(BaseModel):
    """One trigger as configured."""

    name: str
    kind: str
    label: str
    enabled: bool
    playbook: str
    channel: str
    cooldown_days: int
    params: dict[str, Any]
    brief: str | None
    steps: list[StepInfo]


class TriggersList(BaseModel):
    """Every trigger, and the file they came from (null: the built-in defaults)."""

    source: str | None
    triggers: list[TriggerInfo]


class StepRun(BaseModel):
    """One trigger step of a run."""

    trigger: str
    step: int
    label: str
    matched: int
    queued: int
    skipped: dict[str, int] = Field(description="Occasions not queued, by reason.")
    campaign_id: int | None


class RunRead(BaseModel):
    """What a run queued (or, dry, would queue)."""

    as_of: date
    dry_run: bool
    queued: int
    triggers: list[StepRun]


class RunBody(BaseModel):
    """Options of a run."""

    as_of: date | None = None
    dry_run: bool = False
    trigger: str | None = None


class StepStateRead(BaseModel):
    """Where one occasion's sequence stands."""

    occasion: str
    step: int
    queued_on: date
    draft_state: str | None
    sent_on: date | None
    next_step: int | None
    next_due_on: date | None
    stopped: str | None


class ExplanationRead(BaseModel):
    """Would a trigger fire for the customer now, and if not why."""

    trigger: str
    kind: str
    enabled: bool
    would_fire: bool
    reason: str | None
    detail: str
    occasion: str | None
    fired: list[dict[str, Any]]
    sequence: list[StepStateRead]


class ExplainRead(BaseModel):
    """Every trigger, for one customer."""

    customer_id: str
    as_of: date
    triggers: list[ExplanationRead]


def trigger_info(trigger: Trigger) -> TriggerInfo:
    return TriggerInfo(
        name=trigger.name,
        kind=trigger.kind,
        label=trigger.label,
        enabled=trigger.enabled,
        playbook=trigger.playbook,
        channel=trigger.channel,
        cooldown_days=trigger.cooldown_days,
        params=dict(trigger.params),
        brief=trigger.brief,
        steps=[
            StepInfo(
                step=s.number,
                after_days=s.after_days,
                brief=s.brief,
                prompt=s.prompt,
                label=s.label,
                channel=s.channel,
            )
            for s in trigger.steps
        ],
    )


def run_read(report: RunReport) -> RunRead:
    return RunRead.model_validate(report.as_dict())


def explanation_read(found: Explanation) -> ExplanationRead:
    return ExplanationRead.model_validate(asdict(found))
