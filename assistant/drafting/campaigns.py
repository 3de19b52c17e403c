"""Campaigns: bulk drafting of one playbook for a segment.

`create_campaign` snapshots the segment into campaign members, in one transaction, with
each member's qualifier and, for the ineligible, the reason they are skipped
(`eligibility.SKIP_REASONS`). A stable share of the eligible is held out (`holdout`: skipped
`holdout`, never drafted; the percent is recorded in the options). `--limit N` keeps the
first N *treated* members in segment order (the skipped and held out met on the way are
recorded too). `run_campaign` drafts the pending
members (see `runner`); running it again resumes: failed members are retried, drafted ones
never drafted again. `preview_campaign` drafts a few samples and stores nothing: a preview is
a look before the run, not part of it.

Campaign status: created -> running -> completed (every member drafted or skipped) |
failed (some members failed; rerun to retry them) | interrupted (stopped early; rerun).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.config import Settings, get_settings
from assistant.db import unit_of_work
from assistant.drafting import repository as repo
from assistant.drafting.brand import Brand
from assistant.drafting.context import Facts, FactsBuilder
from assistant.drafting.eligibility import Eligibility
from assistant.drafting.generate import Outcome, Toolkit, generate
from assistant.drafting.guardrails import GuardrailPolicy
from assistant.drafting.holdout import (
    HOLDOUT,
    HoldoutError,
    campaign_key,
    held_out,
    resolve_percent,
)
from assistant.drafting.prompts import load_prompt
from assistant.drafting.ratelimit import RateLimiter
from assistant.drafting.retry import Backoff
from assistant.drafting.runner import CampaignRunner, Progress, RunOptions, RunSummary
from assistant.learning import service as learning
from assistant.models import Campaign, Customer, Product
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS, Playbook, UnknownPlaybook, get_playbook
from assistant.ports import CHANNELS, Drafter, written_as
from assistant.segments import service as segments
from assistant.segments.errors import SegmentError, UnknownSegment
from assistant.variants.service import promoted_variant, variant_plan

SNAPSHOT_CHUNK = 500
T = TypeVar("T")


class CampaignError(ValueError):
    """The campaign cannot be created or run as asked; the message says what is valid."""


class CampaignNotFound(CampaignError):
    """No campaign with that id."""


@dataclass(frozen=True)
class CampaignRequest:
    """What a marketer asks for: a playbook, optionally another segment, channel, a cap."""

    playbook: str
    segment: str | None = None
    channel: str | None = None
    limit: int | None = None
    name: str | None = None
    created_by: str | None = None
    # Percent of eligible customers held out; None: ASSISTANT_HOLDOUT_PERCENT.
    holdout: float | None = None


@dataclass(frozen=True)
class Plan:
    """A request resolved: the playbook, the segment evaluated, the channel."""

    playbook: Playbook
    evaluation: segments.Evaluation
    channel: str

    @property
    def as_of(self) -> date:
        return self.evaluation.as_of


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def resolve_playbook(name: str) -> Playbook:
    """The playbook `name`, or a CampaignError listing the valid ones."""
    try:
        return get_playbook(name)
    except UnknownPlaybook as exc:
        raise CampaignError(str(exc)) from None


def campaign_playbook(campaign: Campaign) -> Playbook:
    """The campaign's playbook, with the prompt template and cooldown its options override
    (a trigger's follow-up step drafts with its own template and no cooldown)."""
    playbook = resolve_playbook(campaign.playbook)
    options = campaign.options or {}
    prompt, cooldown = options.get("prompt"), options.get("cooldown_days")
    if isinstance(prompt, str) and prompt:
        playbook = replace(playbook, prompt=prompt)
    if isinstance(cooldown, int) and not isinstance(cooldown, bool):
        playbook = replace(playbook, cooldown_days=cooldown)
    return playbook


def plan(session: Session, request: CampaignRequest) -> Plan:
    """Resolve playbook, segment and channel; CampaignError names what is valid.

    Without `segment`, the playbook's segment is used, or its fallback when that is empty.
    """
    playbook = resolve_playbook(request.playbook)
    channel = request.channel or playbook.channel
    if channel not in CHANNELS:
        raise CampaignError(f"unknown channel {channel!r}; choose one of: {', '.join(CHANNELS)}")
    if channel == "webhook" and (problem := get_settings().webhook.problem()) is not None:
        raise CampaignError(problem)
    if request.limit is not None and request.limit < 1:
        raise CampaignError("limit must be at least 1")
    try:
        resolve_percent(request.holdout)
    except HoldoutError as exc:
        raise CampaignError(str(exc)) from None
    name = request.segment or playbook.segment
    if name is None:
        bulk = ", ".join(p.name for p in PLAYBOOKS.values() if p.segment)
        raise CampaignError(
            f"playbook {playbook.name!r} has no segment of its own (it answers conversations); "
            f"pass a segment, or use one of: {bulk}"
        )
    try:
        evaluation = segments.evaluate(session, name)
        fallback = playbook.fallback_segment if request.segment is None else None
        if fallback and segments.count(session, evaluation) == 0:
            evaluation = segments.evaluate(session, fallback)
    except UnknownSegment as exc:
        raise CampaignError(str(exc)) from None
    except SegmentError as exc:
        raise CampaignError("; ".join(exc.problems)) from None
    return Plan(playbook, evaluation, channel)


def _builder(session: Session, chosen: Plan, brand: Brand) -> FactsBuilder:
    builder = FactsBuilder(
        playbook=chosen.playbook, channel=chosen.channel, as_of=chosen.as_of, brand=brand
    )
    builder.prepare(session)
    return builder


def create_campaign(
    session: Session, request: CampaignRequest, *, brand: Brand, chunk: int = SNAPSHOT_CHUNK
) -> Campaign:
    """Snapshot the segment into a new campaign's members, skipping the ineligible with
    their reason; flushes (the caller's unit of work commits)."""
    chosen = plan(session, request)
    segment = chosen.evaluation.segment.name
    percent = resolve_percent(request.holdout)
    campaign = Campaign(
        name=request.name or f"{chosen.playbook.name} / {segment} / {chosen.as_of.isoformat()}",
        playbook=chosen.playbook.name,
        segment=segment,
        channel=chosen.channel,
        status="created",
        created_by=request.created_by,
        options={
            "as_of": chosen.as_of.isoformat(),
            "limit": request.limit,
            "segment_params": chosen.evaluation.params,
            "holdout_percent": percent,
        },
        summary={},
    )
    session.add(campaign)
    session.flush()
    eligibility = Eligibility(
        _builder(session, chosen, brand), campaign_id=campaign.id, now=utcnow()
    )
    # Members are read as a stream, decided and inserted a chunk at a time.
    members = segments.iter_members(session, chosen.evaluation)
    key = campaign_key(campaign.id)
    eligible = 0  # treated: eligible and not held out
    for batch in _chunks(members, chunk):
        decision = eligibility.check(session, [(m.customer_pk, m.qualifier) for m in batch])
        rows: list[dict[str, Any]] = []
        for member in batch:
            if request.limit is not None and eligible >= request.limit:
                break
            reason = decision.skipped.get(member.customer_pk)
            if reason is None and held_out(key, member.customer_pk, percent):
                reason = HOLDOUT
            eligible += reason is None
            rows.append(
                {
                    "campaign_id": campaign.id,
                    "customer_id": member.customer_pk,
                    "qualifier": member.qualifier,
                    "status": repo.SKIPPED if reason else repo.PENDING,
                    "skip_reason": reason,
                }
            )
        repo.insert_members(session, rows)
        if request.limit is not None and eligible >= request.limit:
            break
    now = repo.counts(session, campaign.id)
    campaign.summary = {
        "members": now.members,
        "pending": now.pending,
        "skipped": now.skipped,
    }
    return campaign


def make_toolkit(
    drafter: Drafter,
    playbook: Playbook,
    channel: str,
    *,
    brand: Brand,
    settings: Settings,
    rate_limit: bool | None = None,
    catalog_names: Iterable[str] = (),
    backoff: Backoff | None = None,
    limiter: RateLimiter | None = None,
    promoted: str | None = None,
    examples: Sequence[str] = (),
) -> Toolkit:
    """Prompt, A/B variants (`promoted`: a winner), guardrail policy, retries and (for a real
    provider) the rate limiter: `limiter` if given, else one with the settings' RPM and TPM.
    `examples`: the learned examples (`learning.for_run`), loaded once for the whole run."""
    llm = settings.llm
    limited = llm.provider != "offline" if rate_limit is None else rate_limit
    counter: Callable[[str], int] | None = None
    if limited:
        from assistant.drafting.tokens import count_tokens

        counter = count_tokens
    return Toolkit(
        drafter=drafter,
        template=load_prompt(playbook.prompt),
        brand=brand,
        policy=GuardrailPolicy.from_brand(brand, catalog_names=catalog_names),
        playbook=playbook.name,
        channel=written_as(channel),
        delivery_channel=channel,
        backoff=backoff or Backoff(max_retries=llm.max_retries),
        limiter=(limiter or RateLimiter(llm.requests_per_minute, llm.tokens_per_minute))
        if limited
        else None,
        count_tokens=counter,
        variants=variant_plan(playbook, promoted),
        examples=tuple(examples),
    )


async def run_campaign(
    engine: Engine,
    campaign_id: int,
    drafter: Drafter,
    *,
    brand: Brand,
    settings: Settings,
    concurrency: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    actor: str = "system",
    rate_limit: bool | None = None,
    options: RunOptions | None = None,
    backoff: Backoff | None = None,
    limiter: RateLimiter | None = None,
) -> RunSummary:
    """Draft the campaign's pending (and previously failed) members; resumable."""

    def load(session: Session) -> tuple[Campaign, str | None, tuple[str, ...]]:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"no campaign {campaign_id}")
        examples = learning.for_run(session, campaign_playbook(campaign), campaign.channel)
        return campaign, promoted_variant(session, campaign.playbook), examples

    campaign, promoted, examples = await asyncio.to_thread(_in_uow, engine, load)
    playbook = campaign_playbook(campaign)
    kit = make_toolkit(
        drafter,
        playbook,
        campaign.channel,
        brand=brand,
        settings=settings,
        rate_limit=rate_limit,
        backoff=backoff,
        limiter=limiter,
        promoted=promoted,
        examples=examples,
    )
    run_options = options or RunOptions(concurrency=settings.llm.concurrency)
    if concurrency is not None:
        run_options = replace(run_options, concurrency=concurrency)
    runner = CampaignRunner(
        engine,
        campaign_id,
        kit,
        playbook,
        llm=settings.llm,
        options=run_options,
        on_progress=on_progress,
        actor=actor,
    )
    return await runner.run()


def _in_uow(engine: Engine, work: Callable[[Session], T]) -> T:
    with unit_of_work(engine) as session:
        return work(session)


@dataclass(frozen=True)
class Sample:
    """A preview draft: who it is for (first name only) and what was written."""

    customer_id: str
    outcome: Outcome


@dataclass(frozen=True)
class Preview:
    """Samples drafted for a look, and why the members looked at got none."""

    plan: Plan
    samples: list[Sample]
    examined: int
    skipped: dict[str, int]


async def preview_campaign(
    engine: Engine,
    request: CampaignRequest,
    drafter: Drafter,
    *,
    brand: Brand,
    settings: Settings,
    count: int,
    concurrency: int | None = None,
) -> Preview:
    """Draft `count` samples from the first eligible members; nothing is stored."""
    skipped: Counter[str] = Counter()
    examined = 0

    def collect(
        session: Session,
    ) -> tuple[
        Plan, list[tuple[int, Facts]], dict[int, str], list[str], str | None, tuple[str, ...]
    ]:
        nonlocal examined
        chosen = plan(session, request)
        eligibility = Eligibility(_builder(session, chosen, brand), campaign_id=None, now=utcnow())
        picked: list[tuple[int, Facts]] = []
        members = segments.iter_members(session, chosen.evaluation)
        for batch in _chunks(members, 100):
            decision = eligibility.check(session, [(m.customer_pk, m.qualifier) for m in batch])
            examined += len(batch)
            skipped.update(decision.skipped.values())
            picked += [
                (m.customer_pk, decision.facts[m.customer_pk])
                for m in batch
                if m.customer_pk in decision.facts
            ]
            if len(picked) >= count:
                break
        picked = picked[:count]
        ids = [cid for cid, _ in picked]
        external = (
            dict(
                session.execute(
                    select(Customer.id, Customer.external_id).where(Customer.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
        names = [n for n in session.execute(select(Product.name).distinct()).scalars() if n]
        promoted = promoted_variant(session, chosen.playbook.name)
        examples = learning.for_run(session, chosen.playbook, chosen.channel)
        return chosen, picked, external, names, promoted, examples

    chosen, picked, external, names, promoted, examples = await asyncio.to_thread(
        _in_uow, engine, collect
    )
    kit = make_toolkit(
        drafter,
        chosen.playbook,
        chosen.channel,
        brand=brand,
        settings=settings,
        catalog_names=names,
        promoted=promoted,
        examples=examples,
    )
    gate = asyncio.Semaphore(concurrency or settings.llm.concurrency)

    async def one(customer_id: int, facts: Facts) -> Sample:
        async with gate:
            outcome = await generate(kit, customer_id, facts, variant=customer_id)
        return Sample(external.get(customer_id, str(customer_id)), outcome)

    samples = await asyncio.gather(*(one(cid, facts) for cid, facts in picked))
    return Preview(chosen, list(samples), examined, dict(skipped.most_common()))


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or CampaignNotFound."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {campaign_id}")
    return campaign


def campaign_progress(session: Session, campaign_id: int) -> dict[str, Any]:
    """Status, live counts (members by status and reason, drafts by state) and the summary."""
    campaign = get_campaign(session, campaign_id)
    now = repo.counts(session, campaign_id)
    return {
        "id": campaign.id,
        "name": campaign.name,
        "playbook": campaign.playbook,
        "segment": campaign.segment,
        "trigger": campaign.trigger,
        "channel": campaign.channel,
        "status": campaign.status,
        "created_at": campaign.created_at,
        "completed_at": campaign.completed_at,
        "counts": {
            "members": now.members,
            "pending": now.pending,
            "drafted": now.drafted,
            "skipped": now.skipped,
            "failed": now.failed,
            "drafts": now.drafts,
        },
        "summary": campaign.summary or {},
    }
