"""Campaign drafting as a job: `campaigns.draft`, run by a worker (or in-process).

Safe to run twice, at once or after a crash: the run claims the campaign (one live run at a
time, with a heartbeat; a silent one is taken over after `RunOptions.stale_after_seconds`),
and drafts are unique per campaign and customer, so a member is never drafted twice. The
worker's tick hands campaigns whose run died back to this task (`resume_stalled`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from assistant.config import Settings, get_settings
from assistant.db import get_engine, unit_of_work
from assistant.drafting import campaigns
from assistant.drafting import repository as repo
from assistant.drafting.brand import load_brand
from assistant.drafting.runner import (
    COMPLETED,
    CampaignBusy,
    CampaignHalted,
    RunOptions,
    record_failure,
)
from assistant.jobs.registry import task
from assistant.jobs.runners import TaskRunner, build_runner
from assistant.models.base import utcnow
from assistant.review.redraft import run_sync
from assistant.wiring import build_drafter

log = logging.getLogger(__name__)

DRAFT_CAMPAIGN = "campaigns.draft"
# Campaigns handed back per tick at most.
STALLED_PER_TICK = 10


@task(DRAFT_CAMPAIGN)
def draft_campaign(
    campaign_id: int, concurrency: int | None = None, actor: str = "worker"
) -> dict[str, Any]:
    """Draft the campaign's pending members (and retry failed ones); its run summary, or
    `skipped` with why (completed, another live run, paused or cancelled, unknown), or
    `failed` with the reason the campaign is now marked failed for."""
    settings = get_settings()
    engine = get_engine()
    with unit_of_work(engine) as session:
        status = repo.status_of(session, campaign_id)
    if status is None or status == COMPLETED:
        reason = "unknown" if status is None else "completed"
        log.info("campaigns.draft_skipped campaign=%s reason=%s", campaign_id, reason)
        return {"campaign_id": campaign_id, "skipped": reason}
    brand = load_brand()
    drafter = build_drafter(settings, brand)

    async def run() -> dict[str, Any]:
        try:
            summary = await campaigns.run_campaign(
                engine,
                campaign_id,
                drafter,
                brand=brand,
                settings=settings,
                concurrency=concurrency,
                actor=actor,
            )
            return summary.as_dict()
        finally:
            await drafter.aclose()

    try:
        return run_sync(run())
    except CampaignBusy as exc:
        reason = "halted" if isinstance(exc, CampaignHalted) else "busy"
        log.info("campaigns.draft_skipped campaign=%s reason=%s", campaign_id, reason)
        return {"campaign_id": campaign_id, "skipped": reason}
    except Exception as exc:
        # Never left `running`: the campaign is marked failed with the reason (and logged).
        return {"campaign_id": campaign_id, "failed": record_failure(engine, campaign_id, exc)}


def resume_stalled(settings: Settings, runner: TaskRunner | None = None) -> list[int]:
    """Queue `campaigns.draft` for every campaign whose run died (or never started); ids."""
    stale = utcnow() - timedelta(seconds=RunOptions().stale_after_seconds)
    with unit_of_work(get_engine()) as session:
        taken = repo.take_stalled(session, stale, STALLED_PER_TICK)
    if taken:
        active = runner or build_runner(settings)
        for campaign_id in taken:
            log.warning("campaigns.resumed_stalled campaign=%s", campaign_id)
            active.enqueue(DRAFT_CAMPAIGN, campaign_id=campaign_id)
    return taken
