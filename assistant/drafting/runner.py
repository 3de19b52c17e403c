"""Running a campaign: draft every pending member once, with bounded concurrency.

The pipeline is three kinds of asyncio task on one event loop:

- the *producer* reads pending members in batches (keyset order by member id), re-checks
  their eligibility, builds their facts and queues them (a bounded queue: backpressure);
- `concurrency` *workers* draft them (prompt, drafter, guardrails, one regeneration);
- the *flusher* writes finished drafts and member statuses in batches, each batch one
  transaction, so a crash loses only drafts not yet flushed (their members stay pending).

All database work runs on one worker thread (a single-thread executor), one unit of work per
step, so the event loop never blocks on the database and SQLite sees one writer. A rerun
resets failed members to pending and continues; drafted members are never drafted again.

A person may pause or cancel the campaign while it runs (`assistant campaigns`): every
database step reads the campaign's status, and once it is halted nothing more is drafted.
Drafts already written by then stay (a cancel cancels them); results still in flight are
written too, as `cancelled` drafts when the campaign was cancelled (the write locks the
campaign row, so a cancel either sees them or they see the cancel). The status a person
set is never overwritten by the run's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.config import LLMSettings
from assistant.db import unit_of_work
from assistant.drafting import repository as repo
from assistant.drafting.context import FactsBuilder
from assistant.drafting.eligibility import Eligibility
from assistant.drafting.generate import Outcome, Toolkit, generate
from assistant.models import Campaign, DraftState, Product
from assistant.models.base import utcnow
from assistant.models.campaign import HALTED_STATUSES, CampaignStatus
from assistant.observability.context import bound
from assistant.playbooks import Playbook

logger = logging.getLogger(__name__)
T = TypeVar("T")

RUNNING, COMPLETED, FAILED, INTERRUPTED = "running", "completed", "failed", "interrupted"


class CampaignBusy(RuntimeError):
    """Another live run holds the campaign."""


class CampaignHalted(CampaignBusy):
    """A person paused or cancelled the campaign: it is not drafted until resumed."""


@dataclass(frozen=True)
class RunOptions:
    """How a run drafts: concurrency, batch sizes and the lease on the campaign."""

    concurrency: int = 8
    batch_size: int = 200
    flush_every: int = 100
    flush_seconds: float = 0.5
    # A run heartbeats while it works; a campaign silent this long is free to take over.
    stale_after_seconds: float = 120.0
    heartbeat_seconds: float = 15.0


@dataclass
class Progress:
    """Where the run is: `done` of `total` pending members handled so far."""

    total: int
    done: int = 0
    drafted: int = 0
    needs_attention: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass
class RunSummary:
    """What a run did, and where the campaign stands after it."""

    campaign_id: int
    status: str
    members: int
    drafted: int
    needs_attention: int
    skipped: dict[str, int]
    failed: dict[str, int]
    pending: int
    tokens_in: int
    tokens_out: int
    cost: float
    elapsed_seconds: float
    retries: int = 0
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Job:
    member_id: int
    customer_id: int
    facts: dict[str, Any]


@dataclass
class _Start:
    playbook: str
    channel: str
    as_of: date
    pending: int
    already_drafted: int
    catalog_names: list[str]
    summary: dict[str, Any] = field(default_factory=dict)


def estimated_cost(settings: LLMSettings, tokens_in: int, tokens_out: int) -> float:
    """Cost in the settings' currency units, from the per-million-token prices."""
    return round(
        tokens_in * settings.cost_input_per_mtok / 1e6
        + tokens_out * settings.cost_output_per_mtok / 1e6,
        6,
    )


class CampaignRunner:
    """Drafts one campaign's pending members; `run()` once per instance."""

    def __init__(
        self,
        engine: Engine,
        campaign_id: int,
        kit: Toolkit,
        playbook: Playbook,
        *,
        llm: LLMSettings,
        options: RunOptions | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        actor: str = "system",
    ) -> None:
        self.engine = engine
        self.campaign_id = campaign_id
        self.kit = kit
        self.playbook = playbook
        self.llm = llm
        self.options = options or RunOptions()
        self.on_progress = on_progress
        self.actor = actor
        self.progress = Progress(total=0)
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="campaign-db")
        self._results: list[tuple[_Job, Outcome]] = []
        self._flush_now = asyncio.Event()
        self._tokens = [0, 0]
        self._already_drafted = 0
        self._skipped_now: dict[str, int] = {}
        # Set once the campaign is seen paused or cancelled: nothing more is drafted.
        self._halted: str | None = None
        self.summary: RunSummary | None = None

    async def _db(self, work: Callable[[Session], T]) -> T:
        """Run `work` in its own unit of work on the database thread (each step writes)."""

        def step() -> T:
            with unit_of_work(self.engine, writes=True) as session:
                return work(session)

        done = asyncio.get_running_loop().run_in_executor(self._db_thread, step)
        # Shielded: a cancelled run must not cancel a write still queued for the thread
        # (its results would be lost); the work always runs, in order, before `_finish`.
        return await asyncio.shield(done)

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress)

    # --- start and finish --------------------------------------------------------------

    def _start(self, session: Session) -> _Start:
        stale = utcnow() - timedelta(seconds=self.options.stale_after_seconds)
        if not repo.claim(session, self.campaign_id, stale):
            status = repo.status_of(session, self.campaign_id)
            if status in HALTED_STATUSES:
                raise CampaignHalted(halted_message(self.campaign_id, status))
            raise CampaignBusy(
                f"campaign {self.campaign_id} is being drafted by another run; try again "
                f"when it finishes (or in {self.options.stale_after_seconds:.0f} s if it died)"
            )
        campaign = session.get(Campaign, self.campaign_id)
        assert campaign is not None
        repo.reset_failed(session, self.campaign_id)
        now = repo.counts(session, self.campaign_id)
        names = session.execute(select(Product.name).distinct()).scalars().all()
        return _Start(
            playbook=campaign.playbook,
            channel=campaign.channel,
            as_of=date.fromisoformat(str(campaign.options.get("as_of") or utcnow().date())),
            pending=now.pending,
            already_drafted=now.drafted,
            catalog_names=[n for n in names if n],
            summary=dict(campaign.summary or {}),
        )

    def _finish(self, session: Session, elapsed: float, error: str | None) -> RunSummary:
        held = repo.heartbeat(session, self.campaign_id)  # a write first: see `heartbeat`
        now = repo.counts(session, self.campaign_id)
        if held in HALTED_STATUSES:
            status = str(held)  # a person's pause or cancel stands
        elif error is not None:
            status = INTERRUPTED if now.pending else FAILED
        elif now.pending:
            status = INTERRUPTED
        elif now.failed:
            status = FAILED
        else:
            status = COMPLETED
        skipped = dict(now.skipped)
        # Drafted before this run (or by another run meanwhile): not drafted again.
        already = self._already_drafted + self._skipped_now.get("already_drafted", 0)
        if already:
            skipped["already_drafted"] = skipped.get("already_drafted", 0) + already
        tokens_in, tokens_out = self._tokens
        summary = RunSummary(
            campaign_id=self.campaign_id,
            status=status,
            members=now.members,
            drafted=self.progress.drafted,
            needs_attention=self.progress.needs_attention,
            skipped=dict(sorted(skipped.items())),
            failed=now.failed,
            pending=now.pending,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost=estimated_cost(self.llm, tokens_in, tokens_out),
            elapsed_seconds=round(elapsed, 3),
            retries=self.kit.retries,
            error=error,
        )
        campaign = session.get(Campaign, self.campaign_id)
        assert campaign is not None
        before = dict(campaign.summary or {})
        total_in = int(before.get("tokens_in", 0)) + tokens_in
        total_out = int(before.get("tokens_out", 0)) + tokens_out
        campaign.status = status
        campaign.summary = {
            "members": now.members,
            "pending": now.pending,
            "drafted": now.drafts.get("pending_review", 0),
            "needs_attention": now.drafts.get("needs_attention", 0),
            "drafts": now.drafts,
            "skipped": now.skipped,
            "failed": now.failed,
            "tokens_in": total_in,
            "tokens_out": total_out,
            "cost": estimated_cost(self.llm, total_in, total_out),
            "runs": int(before.get("runs", 0)) + 1,
            "last_run": summary.as_dict(),
        }
        campaign.updated_at = utcnow()
        if status == COMPLETED:
            campaign.completed_at = utcnow()
        return summary

    # --- the pipeline ------------------------------------------------------------------

    async def run(self) -> RunSummary:
        """Draft every pending member; returns the summary (also stored on the campaign)."""
        with bound(campaign_id=self.campaign_id):  # on every log line of the run
            return await self._run()

    async def _run(self) -> RunSummary:
        started = time.perf_counter()
        try:
            start = await self._db(self._start)
        except BaseException:
            self._db_thread.shutdown(wait=True)
            raise
        # The store's product names: a catalogue product not in the facts is invented.
        self.kit.policy = replace(self.kit.policy, catalog_names=frozenset(start.catalog_names))
        self._already_drafted = start.already_drafted
        self.progress = Progress(total=start.pending)
        self._report()
        builder = FactsBuilder(
            playbook=self.playbook, channel=start.channel, as_of=start.as_of, brand=self.kit.brand
        )
        eligibility = Eligibility(builder, campaign_id=self.campaign_id, now=utcnow())
        error: str | None = None
        try:
            await self._pipeline(builder, eligibility)
        except BaseException as exc:
            stopped = isinstance(exc, asyncio.CancelledError | KeyboardInterrupt)
            error = "interrupted" if stopped else type(exc).__name__
            logger.warning("drafting.run_stopped campaign=%s error=%s", self.campaign_id, error)
            raise
        finally:
            try:
                await self._flush()
                elapsed = time.perf_counter() - started
                self.summary = await self._db(lambda s: self._finish(s, elapsed, error))
            finally:
                self._db_thread.shutdown(wait=True)
        assert self.summary is not None
        return self.summary

    async def _pipeline(self, builder: FactsBuilder, eligibility: Eligibility) -> None:
        await self._db(builder.prepare)
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.options.batch_size)
        workers_done = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._produce(queue, eligibility))
            flusher = group.create_task(self._flusher(workers_done))
            workers = [
                group.create_task(self._work(queue, index))
                for index in range(self.options.concurrency)
            ]
            await asyncio.gather(*workers)
            workers_done.set()
            self._flush_now.set()
            await flusher

    async def _produce(self, queue: asyncio.Queue[_Job | None], eligibility: Eligibility) -> None:
        after = 0
        while True:
            jobs, skipped, after = await self._db(
                functools.partial(self._next_batch, eligibility=eligibility, after=after)
            )
            if jobs is None:
                break
            for reason, number in skipped.items():
                self._skipped_now[reason] = self._skipped_now.get(reason, 0) + number
                self.progress.skipped += number
                self.progress.done += number
            if skipped:
                self._report()
            for job in jobs:
                await queue.put(job)
        for _ in range(self.options.concurrency):
            await queue.put(None)

    def _seen(self, status: str | None) -> bool:
        """Note a pause or cancel; True when the campaign is halted."""
        if status in HALTED_STATUSES:
            if self._halted is None:
                logger.info("drafting.run_halted campaign=%s status=%s", self.campaign_id, status)
            self._halted = status
        return self._halted is not None

    def _next_batch(
        self, session: Session, *, eligibility: Eligibility, after: int
    ) -> tuple[list[_Job] | None, dict[str, int], int]:
        if self._seen(repo.heartbeat(session, self.campaign_id)):
            return None, {}, after
        members = repo.pending_members(session, self.campaign_id, after, self.options.batch_size)
        if not members:
            return None, {}, after
        decision = eligibility.check(session, [(m.customer_id, m.qualifier) for m in members])
        reasons: dict[int, str] = {}
        drafted: list[int] = []
        counted: dict[str, int] = {}
        jobs: list[_Job] = []
        for member in members:
            reason = decision.skipped.get(member.customer_id)
            if reason == "already_drafted":
                # Its draft was written (by another run) after this member was read: done.
                drafted.append(member.member_id)
            elif reason:
                reasons[member.member_id] = reason
            else:
                jobs.append(
                    _Job(member.member_id, member.customer_id, decision.facts[member.customer_id])
                )
                continue
            counted[reason] = counted.get(reason, 0) + 1
        repo.set_status(session, reasons, repo.SKIPPED, reasons)
        repo.set_status(session, drafted, repo.DRAFTED, None)
        return jobs, counted, members[-1].member_id

    async def _work(self, queue: asyncio.Queue[_Job | None], index: int) -> None:
        while True:
            job = await queue.get()
            if job is None:
                return
            if self._halted is not None:
                continue  # paused or cancelled: the member stays pending
            try:
                outcome = await generate(
                    self.kit, job.customer_id, job.facts, variant=job.customer_id
                )
            except Exception as exc:  # a bug for one customer must not stop the campaign
                logger.exception(
                    "drafting.draft_error customer=%s error=%s", job.customer_id, type(exc).__name__
                )
                outcome = Outcome(job.customer_id, job.facts, failure="error")
            self._tokens[0] += outcome.tokens_in
            self._tokens[1] += outcome.tokens_out
            self._results.append((job, outcome))
            self.progress.done += 1
            if outcome.failure:
                self.progress.failed += 1
            elif outcome.state == "needs_attention":
                self.progress.needs_attention += 1
            else:
                self.progress.drafted += 1
            self._report()
            if len(self._results) >= self.options.flush_every:
                self._flush_now.set()

    async def _flusher(self, workers_done: asyncio.Event) -> None:
        last_beat = time.monotonic()
        while not workers_done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flush_now.wait(), self.options.flush_seconds)
            self._flush_now.clear()
            if self._results:
                await self._flush()
                last_beat = time.monotonic()
            elif time.monotonic() - last_beat > self.options.heartbeat_seconds:
                self._seen(await self._db(lambda s: repo.heartbeat(s, self.campaign_id)))
                last_beat = time.monotonic()

    async def _flush(self) -> None:
        """Write the finished results: drafts, member statuses, heartbeat (one transaction)."""
        batch, self._results = self._results, []
        if batch:
            await self._db(lambda s: self._write(s, batch))

    def _write(self, session: Session, batch: list[tuple[_Job, Outcome]]) -> None:
        now = utcnow()
        cancelled = self._seen(repo.heartbeat(session, self.campaign_id)) and (
            self._halted == CampaignStatus.CANCELLED
        )
        rows = [
            {
                "idempotency_key": repo.draft_key(self.campaign_id, job.customer_id),
                "campaign_id": self.campaign_id,
                "customer_id": job.customer_id,
                "playbook": self.kit.playbook,
                "channel": self.kit.delivery_channel or self.kit.channel,
                "state": DraftState.CANCELLED.value if cancelled else outcome.state,
                "subject": outcome.subject,
                "body": outcome.body,
                "facts": outcome.facts,
                "findings": outcome.findings_document(),
                "prompt_version": outcome.prompt_version,
                "variant": outcome.test_variant,
                "model": outcome.model,
                "tokens_in": outcome.tokens_in,
                "tokens_out": outcome.tokens_out,
                "attempts": outcome.attempts,
                "created_at": now,
                "updated_at": now,
            }
            for job, outcome in batch
            if outcome.drafted
        ]
        repo.insert_drafts(session, rows, self.actor)
        repo.set_status(session, [j.member_id for j, o in batch if o.drafted], repo.DRAFTED, None)
        failed = {j.member_id: o.failure or "error" for j, o in batch if not o.drafted}
        repo.set_status(session, failed, repo.FAILED, failed)


def halted_message(campaign_id: int, status: str | None) -> str:
    """Why a paused or cancelled campaign is not drafted, and what to do."""
    if status == CampaignStatus.PAUSED:
        return (
            f"campaign {campaign_id} is paused; `assistant campaigns resume {campaign_id}` "
            "continues it"
        )
    return f"campaign {campaign_id} is cancelled; a cancelled campaign is not drafted again"


def failure_reason(exc: BaseException) -> str:
    """What killed a run, fit to store and log: the error type and, for a database error, the
    driver's first line ("database is locked"), never SQL or its parameters."""
    reason = type(exc).__name__
    orig = getattr(exc, "orig", None)
    if orig is not None:
        first = str(orig).strip().splitlines()[:1]
        if first:
            reason += f": {first[0][:120]}"
    return reason


def record_failure(engine: Engine, campaign_id: int, exc: BaseException) -> str:
    """Mark a campaign whose run died `failed` with the reason (logged with its id)."""
    reason = failure_reason(exc)
    logger.error("drafting.run_failed campaign=%s reason=%s", campaign_id, reason)
    try:
        with unit_of_work(engine, writes=True) as session:
            repo.mark_failed(session, campaign_id, reason)
    except Exception as error:  # the database itself is gone: the log line is all there is
        logger.error(
            "drafting.run_failed_unrecorded campaign=%s error=%s", campaign_id, type(error).__name__
        )
    return reason
