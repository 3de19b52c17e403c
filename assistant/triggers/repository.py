"""Trigger queries and writes: occasions recorded once, the day's campaign, the daily run.

Exactly-once rests on the unique key of `trigger_occasions` (customer, trigger, occasion,
step): occasions are inserted with ON CONFLICT DO NOTHING ... RETURNING, and only the
customers whose row this statement inserted become campaign members. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.drafting import repository as drafts
from assistant.drafting.holdout import HOLDOUT
from assistant.models import Campaign, CampaignMember, TriggerOccasion, TriggerRun
from assistant.models.campaign import CampaignStatus
from assistant.triggers.config import Trigger
from assistant.triggers.occasions import Occasion

# An existing day's campaign in one of these takes new members and is drafted again.
EXTENDABLE = (
    CampaignStatus.CREATED.value,
    CampaignStatus.COMPLETED.value,
    CampaignStatus.FAILED.value,
    CampaignStatus.INTERRUPTED.value,
    CampaignStatus.PAUSED.value,
)


def record(
    session: Session,
    trigger: Trigger,
    step: int,
    campaign_id: int,
    occasions: Sequence[Occasion],
    now: datetime,
) -> set[int]:
    """Record the occasions; the customers whose occasion was new (the others were queued
    by another run meanwhile)."""
    if not occasions:
        return set()
    rows = [
        {
            "customer_id": o.customer_id,
            "trigger": trigger.name,
            "occasion": o.occasion,
            "step": step,
            "occurred_on": o.occurred_on,
            "campaign_id": campaign_id,
            "qualifier": o.qualifier,
            "queued_at": now,
        }
        for o in occasions
    ]
    statement = (
        upsert_insert(session, TriggerOccasion)
        .on_conflict_do_nothing(index_elements=["customer_id", "trigger", "occasion", "step"])
        .returning(TriggerOccasion.customer_id)
    )
    return set(session.execute(statement, rows).scalars())


def campaign_name(trigger: Trigger, step: int, as_of: date) -> str:
    """ "Check-ins · 2026-12-07": what a reviewer sees in Slack and `campaigns list`."""
    return f"{trigger.label_of(step)} · {as_of.isoformat()}"


def day_campaign(session: Session, trigger: Trigger, step: int, as_of: date) -> Campaign | None:
    """The campaign already holding this trigger step's occasions of `as_of`, if it can take
    more (not cancelled, no run drafting it right now)."""
    found = session.execute(
        select(Campaign)
        .where(
            Campaign.trigger == trigger.name, Campaign.name == campaign_name(trigger, step, as_of)
        )
        .order_by(Campaign.id.desc())
    ).scalars()
    for campaign in found:
        options = campaign.options or {}
        if options.get("step", 1) == step and options.get("as_of") == as_of.isoformat():
            return campaign if campaign.status in EXTENDABLE else None
    return None


def open_campaign(
    session: Session, trigger: Trigger, step: int, as_of: date, now: datetime, holdout: float
) -> Campaign:
    """The day's campaign for the trigger step, extended (made ready to draft again), or a
    new one; flushed. `holdout` is the percent held out, recorded in its options."""
    campaign = day_campaign(session, trigger, step, as_of)
    if campaign is not None:
        campaign.options = {**dict(campaign.options or {}), "holdout_percent": holdout}
        if campaign.status != CampaignStatus.PAUSED:
            campaign.status = CampaignStatus.CREATED.value
            campaign.completed_at = None
        campaign.updated_at = now
        return campaign
    playbook = trigger.base_playbook(step)
    campaign = Campaign(
        name=campaign_name(trigger, step, as_of),
        playbook=playbook.name,
        segment=None,
        channel=trigger.channel_of(step),
        status=CampaignStatus.CREATED.value,
        created_by=f"trigger:{trigger.name}",
        trigger=trigger.name,
        options={
            "as_of": as_of.isoformat(),
            "trigger": trigger.name,
            "step": step,
            "prompt": playbook.prompt,
            "cooldown_days": playbook.cooldown_days,
            "holdout_percent": holdout,
        },
        summary={},
    )
    session.add(campaign)
    session.flush()
    return campaign


def members_of(session: Session, campaign_id: int, ids: Sequence[int]) -> set[int]:
    """The customers among `ids` already in the campaign."""
    if not ids:
        return set()
    return set(
        session.execute(
            select(CampaignMember.customer_id).where(
                CampaignMember.campaign_id == campaign_id,
                CampaignMember.customer_id.in_(list(ids)),
            )
        ).scalars()
    )


def add_members(
    session: Session,
    campaign: Campaign,
    occasions: Sequence[Occasion],
    held_out: Sequence[Occasion] = (),
) -> None:
    """Pending members for the occasions, skipped `holdout` ones for the held out, then the
    campaign's counts."""
    drafts.insert_members(
        session,
        [
            {
                "campaign_id": campaign.id,
                "customer_id": o.customer_id,
                "qualifier": o.qualifier,
                "status": drafts.SKIPPED if holdout else drafts.PENDING,
                "skip_reason": HOLDOUT if holdout else None,
            }
            for group, holdout in ((occasions, False), (held_out, True))
            for o in group
        ],
    )
    now = drafts.counts(session, campaign.id)
    campaign.summary = {
        **dict(campaign.summary or {}),
        "members": now.members,
        "pending": now.pending,
        "skipped": now.skipped,
    }


def day_claimed(session: Session, day: date) -> bool:
    """Whether `day`'s daily run was taken already."""
    return (
        session.execute(select(TriggerRun.id).where(TriggerRun.run_on == day)).first() is not None
    )


def claim_day(session: Session, day: date, now: datetime) -> bool:
    """Mark `day`'s daily run as taken; False when a run of that day exists already."""
    statement = (
        upsert_insert(session, TriggerRun)
        .values(run_on=day, started_at=now, summary={})
        .on_conflict_do_nothing(index_elements=["run_on"])
        .returning(TriggerRun.id)
    )
    return session.execute(statement).first() is not None


def finish_day(session: Session, day: date, now: datetime, summary: dict[str, Any]) -> None:
    run = session.execute(select(TriggerRun).where(TriggerRun.run_on == day)).scalar_one()
    run.finished_at = now
    run.summary = summary


def last_run(session: Session) -> TriggerRun | None:
    return session.execute(
        select(TriggerRun).order_by(TriggerRun.run_on.desc()).limit(1)
    ).scalar_one_or_none()


def recorded(session: Session, trigger: str, customer_id: int) -> list[TriggerOccasion]:
    """The customer's queued occasions of `trigger`, oldest first."""
    return list(
        session.execute(
            select(TriggerOccasion)
            .where(TriggerOccasion.trigger == trigger, TriggerOccasion.customer_id == customer_id)
            .order_by(TriggerOccasion.queued_at, TriggerOccasion.id)
        ).scalars()
    )


def held_out_in(session: Session, customer_id: int, campaign_ids: Sequence[int]) -> set[int]:
    """The campaigns among `campaign_ids` that hold the customer out."""
    if not campaign_ids:
        return set()
    return set(
        session.execute(
            select(CampaignMember.campaign_id).where(
                CampaignMember.customer_id == customer_id,
                CampaignMember.campaign_id.in_(list(campaign_ids)),
                CampaignMember.skip_reason == HOLDOUT,
            )
        ).scalars()
    )
