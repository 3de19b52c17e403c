"""`campaigns.draft`, the registered job: two at once draft each member once; a campaign whose
run died is handed back by the tick and finished; a finished one is not drafted again."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting.tasks import DRAFT_CAMPAIGN, resume_stalled
from assistant.jobs.registry import get_task
from assistant.jobs.runners import InProcessRunner
from assistant.models import Campaign
from assistant.models.base import utcnow
from tests.drafting.campaigns.helpers import create, drafts, members

CAMPAIGN = {"segment": "recent_buyers_30d", "channel": "email", "limit": 12}
JOIN_SECONDS = 120


def _eligible(engine: Engine, campaign_id: int) -> int:
    return sum(status != "skipped" for status, _ in members(engine, campaign_id).values())


def test_two_runs_at_once_draft_each_member_once(demo: Engine) -> None:
    campaign_id = create(demo, "recognition", **CAMPAIGN)
    draft = get_task(DRAFT_CAMPAIGN)
    results: list[dict[str, Any]] = []
    start = threading.Barrier(2, timeout=30)

    def one() -> None:
        start.wait()
        results.append(draft(campaign_id=campaign_id, concurrency=2))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    written = drafts(demo, campaign_id)
    customers = [d.customer_id for d in written]
    assert len(customers) == len(set(customers)) == _eligible(demo, campaign_id) == 12
    assert len(results) == 2
    assert any(r.get("status") == "completed" for r in results)
    # The other one found the campaign held (busy), or done by the time it looked.
    assert all(r.get("status") == "completed" or r.get("skipped") for r in results)
    # A redelivery of a finished campaign's job drafts nothing.
    assert draft(campaign_id=campaign_id) == {"campaign_id": campaign_id, "skipped": "completed"}
    assert len(drafts(demo, campaign_id)) == 12


def test_the_tick_hands_a_dead_run_back_and_it_is_finished(demo: Engine) -> None:
    campaign_id = create(demo, "recognition", **CAMPAIGN)
    live = create(demo, "recognition", **{**CAMPAIGN, "limit": 3})
    with unit_of_work(demo) as session:
        # A worker died mid-run two hours ago: `running`, no heartbeat since.
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(status="running", updated_at=utcnow() - timedelta(hours=2))
        )
        # Another is running now (heartbeat fresh): left alone.
        session.execute(update(Campaign).where(Campaign.id == live).values(status="running"))
    assert resume_stalled(get_settings(), InProcessRunner()) == [campaign_id]
    with unit_of_work(demo) as session:
        finished = session.get_one(Campaign, campaign_id)
        assert finished.status == "completed"
        assert session.get_one(Campaign, live).status == "running"
    assert len(drafts(demo, campaign_id)) == _eligible(demo, campaign_id) == 12
    assert drafts(demo, live) == []
    assert resume_stalled(get_settings(), InProcessRunner()) == []
