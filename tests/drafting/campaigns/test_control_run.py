"""A person pauses or cancels a campaign while it is drafted: the run stops at its next step,
keeps that status, and a resumed campaign drafts the rest, each customer once."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from assistant.campaigns import service
from assistant.db import unit_of_work
from assistant.drafting.runner import CampaignHalted, RunOptions
from assistant.ports import DraftRequest
from tests.clitools import invoke
from tests.drafting.campaigns.helpers import TestDrafter, create, drafts, members, run

SMALL = RunOptions(concurrency=2, batch_size=5, flush_every=2, flush_seconds=0.01)
CAMPAIGN = {"segment": "recent_buyers_30d", "channel": "email", "limit": 30}


def _stop_at(engine: Engine, campaign_id: int, call: int, action: str) -> TestDrafter:
    """A drafter that pauses or cancels the campaign when it is asked for draft `call`."""

    def body(index: int, _request: DraftRequest) -> str | None:
        if index == call:
            with unit_of_work(engine) as session:
                service.control(session, campaign_id, action, actor="test", reason="stop")
        return None

    return TestDrafter(body=body)


def test_a_paused_campaign_stops_drafting_and_resumes_where_it_stopped(demo: Engine) -> None:
    campaign_id = create(demo, "recognition", **CAMPAIGN)
    first = _stop_at(demo, campaign_id, 5, "pause")
    summary = run(demo, campaign_id, first, options=SMALL)
    assert summary.status == "paused"
    pending = [m for m, (status, _) in members(demo, campaign_id).items() if status == "pending"]
    assert pending and len(first.calls) < 30
    assert all(d.state == "pending_review" for d in drafts(demo, campaign_id))

    with pytest.raises(CampaignHalted, match="is paused"):
        run(demo, campaign_id, TestDrafter(), options=SMALL)
    refused = invoke("drafts", "generate", "--resume", str(campaign_id))
    assert refused.exit_code == 2 and "`assistant campaigns resume" in refused.output

    with unit_of_work(demo) as session:
        service.resume(session, campaign_id, actor="test")
    second = TestDrafter()
    assert run(demo, campaign_id, second, options=SMALL).status == "completed"
    written = drafts(demo, campaign_id)
    assert len(written) == 30
    # First attempts (a blocked draft's regeneration carries feedback): one per customer.
    customers = [r.variant for r in first.calls + second.calls if not r.feedback]
    assert len(customers) == len(set(customers)) == 30


def test_a_cancelled_campaign_keeps_no_draft_for_review(demo: Engine) -> None:
    campaign_id = create(demo, "recognition", **CAMPAIGN)
    drafter = _stop_at(demo, campaign_id, 5, "cancel")
    summary = run(demo, campaign_id, drafter, options=SMALL)
    assert summary.status == "cancelled"
    written = drafts(demo, campaign_id)
    assert written and {d.state for d in written} == {"cancelled"}
    assert len(drafter.calls) < 30
    statuses = {status for status, _ in members(demo, campaign_id).values()}
    assert "pending" not in statuses
    with pytest.raises(CampaignHalted, match="is cancelled"):
        run(demo, campaign_id, TestDrafter(), options=SMALL)
    refused = invoke("drafts", "generate", "--resume", str(campaign_id))
    assert refused.exit_code == 2 and "is cancelled" in refused.output


def test_campaigns_resume_drafts_the_members_still_pending(demo: Engine) -> None:
    campaign_id = create(demo, "recognition", **CAMPAIGN)
    summary = run(demo, campaign_id, _stop_at(demo, campaign_id, 3, "pause"), options=SMALL)
    assert summary.status == "paused" and summary.pending
    result = invoke("campaigns", "resume", str(campaign_id))
    assert result.exit_code == 0, result.output
    assert f"campaign {campaign_id} resumed (interrupted)" in result.output
    assert f"{summary.pending} member(s) still to draft" in result.output
    assert "drafted (pending review)" in result.output
    assert len(drafts(demo, campaign_id)) == 30
    shown = invoke("campaigns", "show", str(campaign_id), "--format", "json")
    assert '"status": "completed"' in shown.output
