"""Campaign drafting throughput against the fake OpenAI-compatible server, in one run.

    python -m benchmarks.drafting_throughput [--customers 20000] [--drafts 2000]
        [--concurrency 50] [--latency 1.0] [--repeat 1] [--postgres URL] [--profile FILE]

Builds a fresh demo store (SQLite in a temporary folder; with `--postgres URL` a new schema
there too, dropped afterwards) with enough customers for `--drafts` eligible members of one
playbook (recognition over `recent_buyers_30d` by email, `--limit` = `--drafts`), then:

(a) with the fake server at `--latency` seconds a request (its own process): the LLM client
    stack alone (LangChain `ChatOpenAI` with `response_format=MessageDraft` bound, as
    `ChatModelDrafter` uses it) and the full campaign (`assistant drafts generate`: snapshot
    with `create_campaign`, then `run_campaign`), `--drafts` requests at `--concurrency`,
    against the ideal drafts / concurrency x latency (target: within 1.1x);
(b) with the server at zero latency: requests/s of the client stack alone (and, for scale, of
    `ChatModelDrafter.draft`) against the full pipeline (target: pipeline >= 0.5x client);
(c) the largest rendered prompt in tokens (tiktoken o200k_base, system + user) over every
    member of the four campaign playbooks' segments on the store, both channels, first
    attempt and a regeneration with the most feedback (target: <= 800);
(d) for scale, the guardrails alone: milliseconds per `check_draft` over the fake server's
    default draft of every prompt of (c), with the runner's policy (brand and catalogue).

The client alone sends real rendered prompts of the campaign's members, so both sides of
(a) and (b) put the same requests on the wire. With `--repeat N` the zero-latency round
(client, drafter, pipeline) runs N times, each round's ratio is printed as it ends, and the
table compares the best pipeline with the best client. Between pipeline runs the campaign tables are
emptied, so every run drafts the same members from scratch. `--profile FILE` also runs one
zero-latency pipeline under cProfile (the event-loop thread) and writes the stats to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar

import openai
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, delete, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.config import Settings, get_settings  # noqa: E402
from assistant.db import unit_of_work  # noqa: E402
from assistant.demo.store import load_demo_store  # noqa: E402
from assistant.drafting import campaigns  # noqa: E402
from assistant.drafting.brand import Brand, load_brand  # noqa: E402
from assistant.drafting.context import FactsBuilder, missing_facts  # noqa: E402
from assistant.drafting.eligibility import Eligibility  # noqa: E402
from assistant.drafting.guardrails import GuardrailPolicy, blocking, check_draft  # noqa: E402
from assistant.drafting.prompts import load_prompt, render_prompt  # noqa: E402
from assistant.drafting.runner import RunSummary  # noqa: E402
from assistant.drafting.tokens import count_tokens, token_counter_is_exact  # noqa: E402
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft, Product  # noqa: E402
from assistant.models.base import utcnow  # noqa: E402
from assistant.playbooks import PLAYBOOKS  # noqa: E402
from assistant.ports import DraftRequest  # noqa: E402
from assistant.segments import service as segments  # noqa: E402
from benchmarks.llm_client_baseline import (  # noqa: E402
    API_KEY,
    MODEL,
    Measurement,
    run_bounded,
    server_process,
)
from connectors.llm.openai_chat import ChatModelDrafter, MessageDraft  # noqa: E402
from tests.fakes.openai_drafts import plausible_draft  # noqa: E402

T = TypeVar("T")
AS_OF = date(2026, 11, 20)
SEED = 7
PLAYBOOK, SEGMENT = "recognition", "recent_buyers_30d"
CHANNEL: Literal["email"] = "email"
CAMPAIGN_PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")
CLIENT_PROMPTS = 200  # distinct real prompts the client-alone runs cycle through
WARMUP = 50
# A regeneration's feedback at its longest: three blocking findings, each clipped to 140.
FEEDBACK = tuple(
    f"{code}: " + "the draft says something the facts do not give; write it again " * 3
    for code in ("invented_code", "invented_price", "wrong_name")
)
LLM_ENV = {
    "ASSISTANT_LLM": "openai",
    "OPENAI_API_KEY": API_KEY,
    "ASSISTANT_LLM_MODEL": MODEL,
    # Far above what the run needs: the benchmark measures the pipeline, not the limiter.
    "ASSISTANT_LLM_RPM": "10000000",
    "ASSISTANT_LLM_TPM": "100000000000",
}


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


# --- the store ------------------------------------------------------------------------------


def build_store(url: str, folder: Path, customers: int) -> Engine:
    """Migrate, import a generated demo store and refresh its metrics as of AS_OF."""
    return load_demo_store(url, folder, customers=customers, seed=SEED, as_of=AS_OF)


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose connections use a new schema, dropped afterwards."""
    schema = f"bench_drafting_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def clean(engine: Engine) -> None:
    """No campaigns or drafts: the next run drafts the same members from scratch."""
    with unit_of_work(engine) as session:
        for model in (AuditEntry, Draft, CampaignMember, Campaign):
            session.execute(delete(model))


def settings_for(base_url: str, concurrency: int) -> Settings:
    """The configured settings with the openai drafter pointed at the fake server."""
    os.environ.update(LLM_ENV)
    os.environ["OPENAI_BASE_URL"] = base_url
    os.environ["ASSISTANT_LLM_CONCURRENCY"] = str(concurrency)
    get_settings.cache_clear()
    return get_settings()


# --- the pipeline ---------------------------------------------------------------------------


@dataclass
class PipelineRun:
    """One `drafts generate` equivalent: snapshot, then the run."""

    name: str
    drafts: int
    requests: int
    snapshot_seconds: float
    summary: RunSummary

    @property
    def run_seconds(self) -> float:
        return self.summary.elapsed_seconds

    @property
    def seconds(self) -> float:
        return self.snapshot_seconds + self.run_seconds

    @property
    def per_second(self) -> float:
        return self.requests / self.run_seconds


def run_pipeline(
    engine: Engine,
    brand: Brand,
    settings: Settings,
    *,
    drafts: int,
    concurrency: int,
    name: str,
    profile: Path | None = None,
) -> PipelineRun:
    """Snapshot a campaign of `drafts` members and draft them all through the openai drafter."""
    clean(engine)
    request = campaigns.CampaignRequest(
        playbook=PLAYBOOK, segment=SEGMENT, channel=CHANNEL, limit=drafts
    )
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        campaign = campaigns.create_campaign(session, request, brand=brand)
        campaign_id, pending = campaign.id, int(campaign.summary["pending"])
    snapshot = time.perf_counter() - started
    if pending != drafts:
        raise SystemExit(
            f"only {pending} eligible members for {PLAYBOOK}/{SEGMENT}/{CHANNEL}; "
            f"raise --customers (about 10 per eligible member)"
        )

    async def draft_all() -> RunSummary:
        drafter = ChatModelDrafter.from_settings(settings.llm)
        try:
            return await campaigns.run_campaign(
                engine,
                campaign_id,
                drafter,
                brand=brand,
                settings=settings,
                concurrency=concurrency,
            )
        finally:
            await drafter.aclose()

    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    summary = asyncio.run(draft_all())
    if profiler is not None and profile is not None:
        profiler.disable()
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    with unit_of_work(engine) as session:
        attempts = session.execute(
            select(func.coalesce(func.sum(Draft.attempts), 0)).where(
                Draft.campaign_id == campaign_id
            )
        ).scalar_one()
    if summary.drafted + summary.needs_attention != drafts:
        raise SystemExit(f"the campaign did not draft every member: {summary.as_dict()}")
    return PipelineRun(name, drafts, int(attempts) + summary.retries, snapshot, summary)


# --- the client alone -----------------------------------------------------------------------


def client_prompts(engine: Engine, brand: Brand, count: int) -> list[tuple[str, str]]:
    """(system, user) of the campaign's first `count` eligible members, as the runner renders."""
    template = load_prompt(PLAYBOOKS[PLAYBOOK].prompt)
    request = campaigns.CampaignRequest(playbook=PLAYBOOK, segment=SEGMENT, channel=CHANNEL)
    prompts: list[tuple[str, str]] = []
    with unit_of_work(engine) as session:
        chosen = campaigns.plan(session, request)
        builder = FactsBuilder(
            playbook=chosen.playbook, channel=CHANNEL, as_of=chosen.as_of, brand=brand
        )
        builder.prepare(session)
        eligibility = Eligibility(builder, campaign_id=None, now=utcnow())
        members = segments.iter_members(session, chosen.evaluation)
        for batch in chunks(members, 200):
            decision = eligibility.check(session, [(m.customer_pk, m.qualifier) for m in batch])
            for facts in decision.facts.values():
                rendered = render_prompt(template, facts=facts, brand=brand, channel=CHANNEL)
                prompts.append((rendered.system, rendered.user))
            if len(prompts) >= count:
                break
    return prompts[:count]


async def measure_client(
    base_url: str, prompts: Sequence[tuple[str, str]], *, requests: int, concurrency: int
) -> Measurement:
    """ChatOpenAI with `response_format=MessageDraft` bound (the drafter's client) alone."""
    http_client = openai.DefaultAsyncHttpxClient()
    model = ChatOpenAI(
        model=MODEL,
        base_url=base_url,
        api_key=SecretStr(API_KEY),
        max_retries=0,
        temperature=0.7,
        http_async_client=http_client,
    )
    bound = model.bind(response_format=MessageDraft)
    conversations: list[list[BaseMessage]] = [
        [SystemMessage(content=system), HumanMessage(content=user)] for system, user in prompts
    ]
    cycle = itertools.cycle(conversations)

    async def one() -> Any:
        return await bound.ainvoke(next(cycle))

    try:
        await run_bounded(WARMUP, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    finally:
        await http_client.aclose()
    return Measurement("client: ChatOpenAI bound", requests, concurrency, seconds)


async def measure_drafter(
    settings: Settings, prompts: Sequence[tuple[str, str]], *, requests: int, concurrency: int
) -> Measurement:
    """Our ChatModelDrafter.draft alone (the client plus error mapping and output checks)."""
    drafter = ChatModelDrafter.from_settings(settings.llm)
    cycle = itertools.cycle(
        [
            DraftRequest(
                playbook=PLAYBOOK,
                channel=CHANNEL,
                prompt_version="bench",
                system=system,
                prompt=user,
                facts={},
            )
            for system, user in prompts
        ]
    )

    async def one() -> Any:
        return await drafter.draft(next(cycle))

    try:
        await run_bounded(WARMUP, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    finally:
        await drafter.aclose()
    return Measurement("client: ChatModelDrafter", requests, concurrency, seconds)


# --- prompt sizes ---------------------------------------------------------------------------


@dataclass
class PromptSizes:
    """The largest prompt over every member of every campaign playbook, both channels."""

    prompts: int = 0
    largest: int = 0
    largest_with_feedback: int = 0
    where: str = ""
    per_playbook: dict[str, int] = field(default_factory=dict)
    # (channel, facts, body, subject): the fake server's default draft of each first prompt.
    drafts: list[tuple[str, dict[str, Any], str, str | None]] = field(default_factory=list)


def prompt_sizes(engine: Engine, brand: Brand) -> PromptSizes:
    """Render every member's prompt (first attempt and with the most feedback) and count it."""
    sizes = PromptSizes()
    with unit_of_work(engine) as session:
        for name in CAMPAIGN_PLAYBOOKS:
            playbook = PLAYBOOKS[name]
            template = load_prompt(playbook.prompt)
            for channel in ("sms", "email"):
                request = campaigns.CampaignRequest(playbook=name, channel=channel)
                chosen = campaigns.plan(session, request)
                builder = FactsBuilder(
                    playbook=playbook, channel=channel, as_of=chosen.as_of, brand=brand
                )
                builder.prepare(session)
                members = segments.iter_members(session, chosen.evaluation)
                for batch in chunks(members, 500):
                    built = builder.build(session, [(m.customer_pk, m.qualifier) for m in batch])
                    for customer_id, facts in built.items():
                        if missing_facts(name, facts):
                            continue
                        first = render_prompt(template, facts=facts, brand=brand, channel=channel)
                        again = render_prompt(
                            template, facts=facts, brand=brand, channel=channel, feedback=FEEDBACK
                        )
                        tokens = count_tokens(first.system) + count_tokens(first.user)
                        reply = plausible_draft(
                            {
                                "messages": [
                                    {"role": "system", "content": first.system},
                                    {"role": "user", "content": first.user},
                                ]
                            }
                        )
                        sizes.drafts.append((channel, facts, reply["body"], reply["subject"]))
                        with_feedback = count_tokens(again.system) + count_tokens(again.user)
                        sizes.prompts += 1
                        key = f"{name}/{channel}"
                        sizes.per_playbook[key] = max(sizes.per_playbook.get(key, 0), tokens)
                        if tokens > sizes.largest:
                            sizes.largest = tokens
                            sizes.where = f"{key}, customer {customer_id}"
                        sizes.largest_with_feedback = max(
                            sizes.largest_with_feedback, with_feedback
                        )
    return sizes


def guardrail_cost(engine: Engine, brand: Brand, sizes: PromptSizes) -> tuple[float, int]:
    """Milliseconds per `check_draft` (best of three passes) over the drafts of (c), with the
    runner's policy (brand and catalogue), and how many of them are blocked."""
    with unit_of_work(engine) as session:
        names = [n for n in session.execute(select(Product.name).distinct()).scalars() if n]
    policy = GuardrailPolicy.from_brand(brand, catalog_names=names)
    best_ms, blocked = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        found = [
            check_draft(channel=channel, body=body, subject=subject, facts=facts, policy=policy)
            for channel, facts, body, subject in sizes.drafts
        ]
        best_ms = min(best_ms, (time.perf_counter() - started) * 1000 / len(sizes.drafts))
        blocked = sum(blocking(items) for items in found)
    return best_ms, blocked


# --- the run --------------------------------------------------------------------------------


@dataclass
class Results:
    """Everything one database's run measured."""

    database: str
    zero_client: list[Measurement] = field(default_factory=list)
    zero_drafter: list[Measurement] = field(default_factory=list)
    zero_pipeline: list[PipelineRun] = field(default_factory=list)
    slow_client: Measurement | None = None
    slow_pipeline: PipelineRun | None = None


def best(items: Sequence[Measurement]) -> Measurement:
    return max(items, key=lambda m: m.per_second)


def best_run(items: Sequence[PipelineRun]) -> PipelineRun:
    return max(items, key=lambda r: r.per_second)


def measure_database(
    engine: Engine, database: str, brand: Brand, args: argparse.Namespace
) -> Results:
    """(b) then (a) on one database, each against its own fake server process."""
    results = Results(database)
    prompts = client_prompts(engine, brand, CLIENT_PROMPTS)
    with server_process(0.0) as base_url:
        settings = settings_for(base_url, args.concurrency)
        for _ in range(args.repeat):
            results.zero_client.append(
                asyncio.run(
                    measure_client(
                        base_url, prompts, requests=args.drafts, concurrency=args.concurrency
                    )
                )
            )
            results.zero_drafter.append(
                asyncio.run(
                    measure_drafter(
                        settings, prompts, requests=args.drafts, concurrency=args.concurrency
                    )
                )
            )
            results.zero_pipeline.append(
                run_pipeline(
                    engine,
                    brand,
                    settings,
                    drafts=args.drafts,
                    concurrency=args.concurrency,
                    name="pipeline",
                )
            )
            print(f"  {database} zero latency: " + _zero_line(results), flush=True)
        if args.profile is not None:
            run_pipeline(
                engine,
                brand,
                settings,
                drafts=args.drafts,
                concurrency=args.concurrency,
                name="profiled",
                profile=args.profile.with_suffix(f".{database}.prof"),
            )
    if args.latency > 0:
        with server_process(args.latency) as base_url:
            settings = settings_for(base_url, args.concurrency)
            results.slow_client = asyncio.run(
                measure_client(
                    base_url, prompts, requests=args.drafts, concurrency=args.concurrency
                )
            )
            results.slow_pipeline = run_pipeline(
                engine,
                brand,
                settings,
                drafts=args.drafts,
                concurrency=args.concurrency,
                name="pipeline",
            )
            print(
                f"  {database} {args.latency:g} s latency: client "
                f"{results.slow_client.seconds:.2f} s, pipeline "
                f"{results.slow_pipeline.seconds:.2f} s",
                flush=True,
            )
    clean(engine)
    return results


def _zero_line(results: Results) -> str:
    client, pipeline = results.zero_client[-1], results.zero_pipeline[-1]
    return (
        f"client {client.per_second:.1f} req/s, drafter {results.zero_drafter[-1].per_second:.1f}"
        f" req/s, pipeline {pipeline.per_second:.1f} req/s "
        f"({pipeline.per_second / client.per_second:.2f}x)"
    )


def table(
    all_results: Sequence[Results],
    sizes: PromptSizes,
    guardrails: tuple[float, int],
    args: argparse.Namespace,
) -> str:
    """The results as a Markdown table, with the targets."""
    ideal = args.drafts / args.concurrency * args.latency
    rows = [
        "| measurement | database | figure | target | met |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for results in all_results:
        db = results.database
        if results.slow_client is not None and results.slow_pipeline is not None:
            run = results.slow_pipeline
            rows.append(
                f"| (a) client alone, {args.drafts} req at c={args.concurrency}, "
                f"{args.latency:g} s latency | {db} | {results.slow_client.seconds:.2f} s "
                f"({results.slow_client.seconds / ideal:.3f}x ideal) | | |"
            )
            rows.append(
                f"| (a) pipeline, {args.drafts} drafts at c={args.concurrency} "
                f"(snapshot {run.snapshot_seconds:.2f} s + run {run.run_seconds:.2f} s) | {db} "
                f"| {run.seconds:.2f} s ({run.seconds / ideal:.3f}x ideal {ideal:g} s) "
                f"| <= {1.1 * ideal:g} s | {'yes' if run.seconds <= 1.1 * ideal else 'NO'} |"
            )
        client, drafter = best(results.zero_client), best(results.zero_drafter)
        pipeline = best_run(results.zero_pipeline)
        ratio = pipeline.per_second / client.per_second
        rows.append(
            f"| (b) client alone (ChatOpenAI bound), zero latency | {db} | "
            f"{client.per_second:.1f} req/s | | |"
        )
        rows.append(
            f"| (b) ChatModelDrafter.draft alone, zero latency | {db} | "
            f"{drafter.per_second:.1f} req/s | | |"
        )
        rows.append(
            f"| (b) pipeline, zero latency ({pipeline.requests} requests in "
            f"{pipeline.run_seconds:.2f} s) | {db} | {pipeline.per_second:.1f} req/s "
            f"(**{ratio:.2f}x** client) | >= 0.5x | {'yes' if ratio >= 0.5 else 'NO'} |"
        )
    rows.append(
        f"| (c) largest prompt, {sizes.prompts} prompts ({sizes.where}) | any | "
        f"{sizes.largest} tokens | <= 800 | {'yes' if sizes.largest <= 800 else 'NO'} |"
    )
    rows.append(
        f"| (c) largest prompt of a regeneration (3 feedback items) | any | "
        f"{sizes.largest_with_feedback} tokens | <= 800 | "
        f"{'yes' if sizes.largest_with_feedback <= 800 else 'NO'} |"
    )
    rows.append(
        f"| (d) guardrails alone: `check_draft` per draft over the {len(sizes.drafts)} fake "
        f"default drafts of (c) ({guardrails[1]} blocked) | any | {guardrails[0]:.3f} ms | | |"
    )
    return "\n".join(rows)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--drafts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=1.0, help="0 skips part (a)")
    parser.add_argument("--repeat", type=int, default=1, help="zero-latency rounds (best kept)")
    parser.add_argument("--postgres", metavar="URL", help="also run on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--profile", type=Path, help="cProfile one zero-latency pipeline")
    args = parser.parse_args()
    if not token_counter_is_exact():
        print("warning: no tiktoken encoding file; prompt sizes are estimates", flush=True)
    print(f"start: {_load()}", flush=True)
    brand = load_brand()
    all_results: list[Results] = []
    sizes: PromptSizes | None = None
    guardrails = (0.0, 0)
    with tempfile.TemporaryDirectory(prefix="bench-drafting-") as tmp:
        folder = Path(tmp)
        databases: list[tuple[str, Any]] = []
        if not args.no_sqlite:
            databases.append(("SQLite", contextlib.nullcontext(f"sqlite:///{folder / 'd.db'}")))
        if args.postgres:
            databases.append(("PostgreSQL", postgres_schema(args.postgres)))
        for database, url_context in databases:
            with url_context as url:
                started = time.perf_counter()
                engine = build_store(url, folder, args.customers)
                print(
                    f"{database}: demo store of {args.customers} customers in "
                    f"{time.perf_counter() - started:.1f} s",
                    flush=True,
                )
                try:
                    if sizes is None:
                        sizes = prompt_sizes(engine, brand)
                        guardrails = guardrail_cost(engine, brand, sizes)
                    all_results.append(measure_database(engine, database, brand, args))
                finally:
                    engine.dispose()
    assert sizes is not None
    print(f"end: {_load()}", flush=True)
    print()
    print(table(all_results, sizes, guardrails, args))
    print()
    print("largest first-attempt prompt per playbook/channel (tokens):")
    for key, tokens in sorted(sizes.per_playbook.items()):
        print(f"  {key:<24} {tokens}")


if __name__ == "__main__":
    main()
