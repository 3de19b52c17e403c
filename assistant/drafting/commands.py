"""`assistant drafts ...`: bulk-generate a campaign of drafts, list drafts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.drafting import campaigns, draft_commands, draft_queries
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.drafting.panels import draft_panel
from assistant.drafting.runner import CampaignBusy, RunSummary, halted_message
from assistant.drafting.runner import Progress as RunProgress
from assistant.models import DraftState
from assistant.models.campaign import HALTED_STATUSES
from assistant.ports import Drafter

drafts_app = typer.Typer(
    help="Drafts: bulk-generate a campaign, list, show and export drafts.", no_args_is_help=True
)
drafts_app.command("show")(draft_commands.show_command)
drafts_app.command("export")(draft_commands.export_command)
console = Console()
# Error lines are not hard-wrapped: they stay whole for grep and copy-paste.
errors = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")
BODY_CHARS = 90


def _fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


def _brand_and_drafter() -> tuple[Brand, Drafter]:
    from assistant.variants.config import load_variants
    from assistant.wiring import DrafterConfigError, build_drafter

    try:
        brand = load_brand()
        load_variants()  # a broken variants.yaml is reported now, not mid-run
        return brand, build_drafter(get_settings(), brand)
    except (PromptsConfigError, DrafterConfigError) as exc:
        raise _fail(str(exc)) from None


def _with_drafter(drafter: Drafter, work: Awaitable[T]) -> T:
    """Run `work` on a fresh event loop, closing the drafter's connections afterwards."""

    async def main() -> T:
        try:
            return await work
        finally:
            await drafter.aclose()

    return asyncio.run(main())


class ProgressBar:
    """A live rich progress bar fed by the runner's progress callback."""

    def __init__(self, progress: Progress, description: str) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=None, stats="")

    def __call__(self, now: RunProgress) -> None:
        stats = f"drafted {now.drafted}  attention {now.needs_attention}  failed {now.failed}"
        if now.skipped:
            stats += f"  skipped {now.skipped}"
        if now.total == 0:
            self.progress.update(self.task, total=1, completed=1, stats="nothing to draft")
            return
        self.progress.update(self.task, total=now.total, completed=now.done, stats=stats)


def progress_display(target: Console | None = None) -> Progress:
    """The columns of a drafting progress bar."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=target or console,
        transient=False,
    )


def summary_table(summary: RunSummary, title: str | None = None) -> Table:
    """The end-of-run summary: drafts, skips and failures by reason, tokens and cost."""
    table = Table(title=title or f"Campaign {summary.campaign_id}: {summary.status}")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("drafted (pending review)", f"{summary.drafted:,}")
    table.add_row("needs attention (blocked)", f"{summary.needs_attention:,}")
    for reason, number in summary.skipped.items():
        table.add_row(f"skipped: {reason}", f"{number:,}")
    for reason, number in summary.failed.items():
        table.add_row(f"[red]failed: {reason}[/]", f"{number:,}")
    if summary.pending:
        table.add_row("[yellow]still pending[/]", f"{summary.pending:,}")
    table.add_row("tokens in / out", f"{summary.tokens_in:,} / {summary.tokens_out:,}")
    table.add_row("estimated cost", f"${summary.cost:,.4f}")
    table.add_row("retries", f"{summary.retries:,}")
    table.add_row("elapsed", f"{summary.elapsed_seconds:.1f} s")
    return table


def run_with_bar(
    campaign_id: int,
    drafter: Drafter,
    brand: Brand,
    *,
    concurrency: int | None,
    description: str,
    rate_limit: bool | None = None,
    target: Console | None = None,
) -> RunSummary:
    """Draft a campaign's pending members with a live progress bar; CampaignBusy passes up."""
    settings = get_settings()
    with progress_display(target) as progress:
        bar = ProgressBar(progress, description)
        return _with_drafter(
            drafter,
            campaigns.run_campaign(
                get_engine(),
                campaign_id,
                drafter,
                brand=brand,
                settings=settings,
                concurrency=concurrency,
                on_progress=bar,
                actor="cli",
                rate_limit=rate_limit,
            ),
        )


def _campaign_to_run(
    resume: int | None,
    playbook: str | None,
    segment: str | None,
    channel: str | None,
    limit: int | None,
    brand: Brand,
    holdout: float | None = None,
) -> int:
    """The campaign to draft: the one resumed, or a new snapshot; exit 2 when invalid."""
    try:
        with unit_of_work() as session:
            if resume is not None:
                campaign = campaigns.get_campaign(session, resume)
                if campaign.status in HALTED_STATUSES:
                    raise _fail(halted_message(campaign.id, campaign.status))
                console.print(
                    f"resuming campaign {campaign.id} ({campaign.playbook} / "
                    f"{campaign.segment}, {campaign.channel}), status {campaign.status}"
                )
                return campaign.id
            assert playbook is not None
            request = campaigns.CampaignRequest(
                playbook=playbook,
                segment=segment,
                channel=channel,
                limit=limit,
                created_by="cli",
                holdout=holdout,
            )
            campaign = campaigns.create_campaign(session, request, brand=brand)
            campaign_id, created = campaign.id, dict(campaign.summary)
    except campaigns.CampaignError as exc:
        raise _fail(str(exc)) from None
    skipped = ", ".join(f"{k} {v:,}" for k, v in created.get("skipped", {}).items())
    console.print(
        f"campaign {campaign_id}: {campaign.playbook} / {campaign.segment} by "
        f"{campaign.channel}; {created['members']:,} in the snapshot, "
        f"{created['pending']:,} to draft" + (f" (skipped: {skipped})" if skipped else "")
    )
    return campaign_id


@drafts_app.command("generate")
def generate_command(
    playbook: Annotated[
        str | None, typer.Option("--playbook", "-p", help="recognition, check_in, upsell, ...")
    ] = None,
    segment: Annotated[
        str | None, typer.Option("--segment", "-s", help="Another segment than the playbook's.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="sms, email or webhook (default: the playbook's).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Draft at most N customers.")] = None,
    holdout: Annotated[
        float | None,
        typer.Option(min=0, max=50, metavar="PERCENT", help="Hold out this % (default: settings)."),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=500, help="Drafts in flight (default: settings).")
    ] = None,
    preview: Annotated[
        int | None, typer.Option(min=1, help="Draft N samples to look at; store nothing.")
    ] = None,
    resume: Annotated[
        int | None, typer.Option(help="Continue campaign ID: retry failed, draft pending.")
    ] = None,
) -> None:
    """Snapshot a segment into a campaign and draft one message per eligible customer."""
    if playbook is None and (resume is None or preview is not None):
        raise _fail("give --playbook P (or --resume CAMPAIGN_ID)")
    brand, drafter = _brand_and_drafter()
    settings = get_settings()
    if preview is not None:
        assert playbook is not None
        _preview(playbook, segment, channel, preview, concurrency, brand, drafter)
        return
    try:
        campaign_id = _campaign_to_run(resume, playbook, segment, channel, limit, brand, holdout)
    except typer.Exit:
        asyncio.run(drafter.aclose())
        raise
    try:
        summary = run_with_bar(
            campaign_id,
            drafter,
            brand,
            concurrency=concurrency or settings.llm.concurrency,
            description=f"campaign {campaign_id}",
        )
    except CampaignBusy as exc:
        raise _fail(str(exc), 1) from None
    console.print(summary_table(summary))
    if summary.failed or summary.pending:
        errors.print(
            f"some customers are not drafted yet: `assistant drafts generate --resume "
            f"{campaign_id}` retries them",
            highlight=False,
        )
        raise typer.Exit(1)


def _preview(
    playbook: str,
    segment: str | None,
    channel: str | None,
    count: int,
    concurrency: int | None,
    brand: Brand,
    drafter: Drafter,
) -> None:
    request = campaigns.CampaignRequest(playbook=playbook, segment=segment, channel=channel)
    settings = get_settings()
    try:
        preview = _with_drafter(
            drafter,
            campaigns.preview_campaign(
                get_engine(),
                request,
                drafter,
                brand=brand,
                settings=settings,
                count=count,
                concurrency=concurrency,
            ),
        )
    except campaigns.CampaignError as exc:
        raise _fail(str(exc)) from None
    chosen, samples = preview.plan, preview.samples
    console.print(
        f"preview of {chosen.playbook.name} / {chosen.evaluation.segment.name} by "
        f"{chosen.channel}: {len(samples)} sample(s), nothing stored"
    )
    if not samples:
        if preview.examined == 0:
            name = chosen.evaluation.segment.name
            why = f"segment {name} has no members today (`assistant segments count {name}`)"
        else:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in preview.skipped.items())
            why = f"none of the {preview.examined:,} members is eligible ({reasons})"
        console.print(f"[yellow]no samples:[/] {why}")
    for sample in samples:
        outcome = sample.outcome
        if outcome.failure:
            console.print(f"[red]{sample.customer_id}: failed ({outcome.failure})[/]")
            continue
        codes = [f"{f.severity} {f.code}" for f in outcome.findings]
        title = f"{sample.customer_id}: {outcome.state}"
        console.print(draft_panel(title, outcome.body, outcome.subject, outcome.facts, codes))


STATES = [state.value for state in DraftState]


@drafts_app.command("list")
def list_command(
    campaign: Annotated[int | None, typer.Option(help="Only this campaign's drafts.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only drafts in this state: " + ", ".join(STATES))
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most N drafts.")] = 50,
) -> None:
    """Drafts with their state, customer and the start of the message."""
    draft_commands.known_status(status)
    with unit_of_work() as session:
        draft_commands.known_campaign(session, campaign)
        total, rows = draft_queries.list_drafts(
            session, campaign_id=campaign, state=status, limit=limit
        )
        shown = [
            (
                draft.id,
                draft.campaign_id,
                external,
                draft.playbook,
                draft.channel,
                draft.state,
                [item["code"] for item in (draft.findings or {}).get("items", [])],
                draft.body,
            )
            for draft, external in rows
        ]
    table = Table(title=f"Drafts ({len(shown):,} of {total:,})")
    for column in ("id", "campaign", "customer", "playbook", "channel", "state", "findings"):
        table.add_column(column, no_wrap=column != "findings")
    table.add_column("message", overflow="fold")
    for draft_id, campaign_id, external, name, chan, state, codes, body in shown:
        text = " ".join(body.split())
        text = text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 3] + "..."
        table.add_row(
            str(draft_id),
            str(campaign_id or ""),
            external,
            name,
            chan,
            state,
            ", ".join(codes),
            text,
        )
    console.print(table)
