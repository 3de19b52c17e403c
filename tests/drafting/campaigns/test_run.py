"""Running a campaign: exactly once, resumable, bounded, regenerating blocked drafts once."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import Engine, func, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting import campaigns
from assistant.drafting.runner import CampaignBusy, Progress, RunOptions
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft
from assistant.ports import DrafterRefused, DrafterUnavailable, DraftRequest
from tests.drafting.campaigns.helpers import (
    FAST,
    TestDrafter,
    brand,
    create,
    drafts,
    members,
    offline,
    run,
)


@pytest.fixture
def store(demo: Engine) -> Engine:
    return demo


def _campaign(store: Engine, **options: object) -> tuple[int, set[str]]:
    """A recognition-by-email campaign over recent buyers: every consenting one is eligible."""
    campaign_id = create(
        store, "recognition", segment="recent_buyers_30d", channel="email", **options
    )
    pending = {k for k, (status, _) in members(store, campaign_id).items() if status == "pending"}
    assert len(pending) >= 20
    return campaign_id, pending


def _drafted_customers(store: Engine, campaign_id: int) -> Counter[int]:
    return Counter(d.customer_id for d in drafts(store, campaign_id))


def test_every_eligible_customer_is_drafted_exactly_once(store: Engine) -> None:
    campaign_id, pending = _campaign(store)
    seen: list[Progress] = []
    summary = run(
        store, campaign_id, offline(), on_progress=lambda p: seen.append(Progress(**vars(p)))
    )
    assert summary.status == "completed"
    assert summary.drafted + summary.needs_attention == len(pending)
    assert summary.failed == {} and summary.pending == 0
    found = drafts(store, campaign_id)
    assert len(found) == len(pending)
    assert max(_drafted_customers(store, campaign_id).values()) == 1
    assert {d.idempotency_key for d in found} == {
        f"campaign:{campaign_id}:customer:{d.customer_id}" for d in found
    }
    assert all(d.state in ("pending_review", "needs_attention") for d in found)
    assert all(d.facts["customer"]["first_name"] and d.body for d in found)
    assert all(d.prompt_version and d.attempts >= 1 for d in found)
    statuses = Counter(status for status, _ in members(store, campaign_id).values())
    assert statuses["drafted"] == len(pending) and statuses["pending"] == 0
    assert seen[-1].done == seen[-1].total == len(pending)
    with unit_of_work(store) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == "completed"
        assert campaign.completed_at is not None
        assert campaign.summary["drafted"] + campaign.summary["needs_attention"] == len(pending)
        assert campaign.summary["runs"] == 1
        audited = session.execute(
            select(func.count()).where(AuditEntry.action == "draft.created")
        ).scalar_one()
        assert audited == len(pending)


def test_a_failure_mid_campaign_then_a_rerun_finishes_the_rest_without_duplicates(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "1")
    get_settings.cache_clear()
    campaign_id, pending = _campaign(store)

    def unavailable_after_ten(index: int, _request: DraftRequest) -> DrafterUnavailable | None:
        return DrafterUnavailable("connection refused") if index >= 10 else None

    broken = TestDrafter(fail=unavailable_after_ten)
    first = run(store, campaign_id, broken, concurrency=1)
    assert first.status == "failed"
    assert first.drafted == 10
    assert first.failed == {"unavailable": len(pending) - 10}
    assert sum(_drafted_customers(store, campaign_id).values()) == 10

    healthy = TestDrafter()
    second = run(store, campaign_id, healthy)
    assert second.status == "completed"
    assert second.failed == {}
    assert second.skipped.get("already_drafted") == 10
    # Only the failed customers were drafted again: none twice.
    assert len(healthy.calls) == len(pending) - 10
    counts = _drafted_customers(store, campaign_id)
    assert len(counts) == len(pending) and max(counts.values()) == 1


def test_an_interrupted_run_keeps_what_it_wrote_and_a_rerun_completes(store: Engine) -> None:
    campaign_id, pending = _campaign(store)
    slow = TestDrafter(delay=0.01)

    async def interrupted() -> None:
        task: asyncio.Task[object]

        def stop_after_twelve(progress: Progress) -> None:
            if progress.done >= 12:
                task.cancel()

        task = asyncio.ensure_future(
            campaigns.run_campaign(
                store,
                campaign_id,
                slow,
                brand=brand(),
                settings=get_settings(),
                concurrency=2,
                on_progress=stop_after_twelve,
                options=RunOptions(flush_every=5),
            )
        )
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    kept = _drafted_customers(store, campaign_id)
    assert 12 <= sum(kept.values()) < len(pending)
    with unit_of_work(store) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == "interrupted"
    statuses = Counter(status for status, _ in members(store, campaign_id).values())
    assert statuses["drafted"] == sum(kept.values())

    rest = TestDrafter()
    summary = run(store, campaign_id, rest)
    assert summary.status == "completed"
    assert len(rest.calls) == len(pending) - sum(kept.values())
    counts = _drafted_customers(store, campaign_id)
    assert len(counts) == len(pending) and max(counts.values()) == 1


def test_concurrency_is_bounded(store: Engine) -> None:
    campaign_id, _ = _campaign(store)
    tracking = TestDrafter(delay=0.02)
    run(store, campaign_id, tracking, concurrency=3)
    assert tracking.max_in_flight == 3


def test_a_blocked_draft_is_regenerated_once_with_the_findings(store: Engine) -> None:
    campaign_id, pending = _campaign(store)

    def invented_code_first(_index: int, request: DraftRequest) -> str | None:
        if request.feedback:
            return None  # the second attempt is the offline drafter's good text
        name = request.facts["customer"]["first_name"]
        return f"Hi {name}, use code SAVE20 for 20% off your next order. Warmly, Sam"

    drafter = TestDrafter(body=invented_code_first)
    summary = run(store, campaign_id, drafter)
    assert summary.drafted == len(pending) and summary.needs_attention == 0
    assert len(drafter.calls) == 2 * len(pending)
    retried = [call for call in drafter.calls if call.feedback]
    assert len(retried) == len(pending)
    assert any("invented_code" in line for line in retried[0].feedback)
    assert "SAVE20" in retried[0].prompt  # the rendered prompt carries the feedback
    for draft in drafts(store, campaign_id):
        assert draft.attempts == 2 and "SAVE20" not in draft.body
        codes = {item["code"] for item in draft.findings["first_attempt"]}
        assert "invented_code" in codes
        assert draft.findings["blocked"] is False and draft.findings["regenerated"] is True


def test_a_draft_still_blocked_after_regeneration_needs_attention(store: Engine) -> None:
    campaign_id, pending = _campaign(store, limit=20)

    def always_invents(_index: int, request: DraftRequest) -> str:
        name = request.facts["customer"]["first_name"]
        return f"Hi {name}, here is 15% off with code THANKS15. Warmly, Sam"

    drafter = TestDrafter(body=always_invents)
    summary = run(store, campaign_id, drafter)
    assert summary.needs_attention == len(pending) == 20 and summary.drafted == 0
    assert len(drafter.calls) == 40
    for draft in drafts(store, campaign_id):
        assert draft.state == "needs_attention"
        assert draft.findings["blocked"] is True
        assert "invented_code" in {item["code"] for item in draft.findings["items"]}


def test_a_refusal_fails_at_once_and_is_counted_by_reason(store: Engine) -> None:
    campaign_id, _ = _campaign(store, limit=20)
    refusing = TestDrafter(fail=lambda i, _r: DrafterRefused("policy") if i % 2 else None)
    summary = run(store, campaign_id, refusing, concurrency=1)
    assert summary.failed == {"refused": 10}
    assert len(refusing.calls) == 20  # never retried
    with unit_of_work(store) as session:
        reasons = session.execute(
            select(CampaignMember.skip_reason, func.count())
            .where(CampaignMember.campaign_id == campaign_id, CampaignMember.status == "failed")
            .group_by(CampaignMember.skip_reason)
        ).all()
    assert reasons == [("refused", 10)]


def test_a_second_run_of_a_running_campaign_is_refused(store: Engine) -> None:
    campaign_id, _ = _campaign(store, limit=20)

    async def both() -> None:
        slow = TestDrafter(delay=0.05)
        first = asyncio.ensure_future(
            campaigns.run_campaign(
                store, campaign_id, slow, brand=brand(), settings=get_settings(), backoff=FAST
            )
        )
        while not slow.calls:
            await asyncio.sleep(0.01)
        with pytest.raises(CampaignBusy):
            await campaigns.run_campaign(
                store, campaign_id, TestDrafter(), brand=brand(), settings=get_settings()
            )
        summary = await first
        assert summary.status == "completed"

    asyncio.run(both())
    counts = _drafted_customers(store, campaign_id)
    assert len(counts) == 20 and max(counts.values()) == 1


def test_preview_drafts_samples_and_stores_nothing(store: Engine) -> None:
    request = campaigns.CampaignRequest(
        playbook="recognition", segment="recent_buyers_30d", channel="email"
    )
    preview = asyncio.run(
        campaigns.preview_campaign(
            store, request, offline(), brand=brand(), settings=get_settings(), count=3
        )
    )
    plan, samples = preview.plan, preview.samples
    assert preview.examined >= 3
    assert plan.playbook.name == "recognition" and len(samples) == 3
    assert all(s.outcome.state == "pending_review" and s.outcome.body for s in samples)
    assert all(s.customer_id.startswith("C") for s in samples)
    with unit_of_work(store) as session:
        assert session.execute(select(func.count()).select_from(Campaign)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Draft)).scalar_one() == 0
