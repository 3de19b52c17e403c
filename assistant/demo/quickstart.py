"""`assistant quickstart`: the main job on embedded defaults, start to finish."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.output import console
from assistant.config import get_settings
from assistant.db import get_engine, redacted_url, unit_of_work
from assistant.drafting.brand import Brand
from assistant.ingest.commands import print_report, run_import
from assistant.ingest.service import ImportRejected

QUICKSTART_CUSTOMERS = 3000
QUICKSTART_SEED = 7


def quickstart(
    customers: Annotated[
        int, typer.Option(min=1, help="How many demo customers to generate.")
    ] = QUICKSTART_CUSTOMERS,
    seed: Annotated[
        int, typer.Option(help="Seed of the demo store: the same seed gives the same store.")
    ] = QUICKSTART_SEED,
    data_dir: Annotated[Path, typer.Option(help="Where the demo CSVs go.")] = Path("demo-store"),
) -> None:
    """Everything on embedded defaults: database, demo store, import; then what to do next."""
    from assistant.demo import generate_store
    from assistant.migrate import current_revision

    settings = get_settings()
    engine = get_engine()
    console.rule("Customer messaging assistant: quickstart")
    console.print(
        f"1. database {redacted_url(settings.database.url)} at revision {current_revision(engine)}"
    )
    day = datetime.now(UTC).date()
    started = time.perf_counter()
    summary = generate_store(data_dir, customers=customers, seed=seed, as_of=day)
    console.print(
        f"2. demo store of {summary.customers:,} customers, {summary.orders:,} orders, "
        f"{summary.order_items:,} order lines and {summary.returns:,} returns written to "
        f"{data_dir}/ in {time.perf_counter() - started:.1f} s"
    )
    console.print("3. importing it")
    try:
        report = run_import([data_dir], skip_invalid=False)
    except ImportRejected as rejected:
        print_report(rejected.report)
        raise typer.Exit(1) from None
    print_report(report)
    _quickstart_metrics_and_segments(day)
    _quickstart_drafts(day)
    console.print(
        "\nNext: `assistant segments members NAME` lists a segment's customers with why they "
        "qualify; `assistant drafts generate --playbook P --preview 3` drafts samples, without "
        "--preview a whole campaign; `assistant drafts list` shows drafts; [bold]assistant "
        "serve[/] starts the web service (GET /healthz, /readyz, /api/v1/segments, "
        "/api/v1/campaigns); `assistant import PATH` loads your own CSV files."
    )


def _quickstart_metrics_and_segments(day: date) -> None:
    """Refresh metrics and show how many customers each built-in segment finds."""
    from assistant.metrics import service as metrics_service
    from assistant.segments import service as segments_service

    with unit_of_work() as session:
        refreshed = metrics_service.refresh(session, day)
    console.print(
        f"4. metrics refreshed as of {refreshed.as_of.isoformat()} for "
        f"{refreshed.customers:,} customers ({refreshed.with_orders:,} with purchases) "
        f"in {refreshed.seconds:.1f} s"
    )
    table = Table(title="Built-in segments")
    table.add_column("segment", no_wrap=True)
    table.add_column("customers", justify="right")
    table.add_column("what it finds")
    with unit_of_work() as session:
        for info in segments_service.list_segments():
            evaluation = segments_service.evaluate(session, info.name)
            total = segments_service.count(session, evaluation)
            table.add_row(info.name, f"{total:,}", info.description)
    console.print(table)


QUICKSTART_PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")
QUICKSTART_DRAFTS = 25
QUICKSTART_SAMPLES = 2


def _quickstart_campaign(day: date, playbook: str, brand: Brand) -> int:
    """The quickstart's campaign for `playbook` today: found again on a rerun, else created."""
    from sqlalchemy import select

    from assistant.drafting import campaigns
    from assistant.models import Campaign

    name = f"quickstart {playbook} {day.isoformat()}"
    with unit_of_work() as session:
        found = session.execute(select(Campaign.id).where(Campaign.name == name)).scalar()
        if found is not None:
            return int(found)
        request = campaigns.CampaignRequest(
            playbook=playbook, limit=QUICKSTART_DRAFTS, name=name, created_by="quickstart"
        )
        return campaigns.create_campaign(session, request, brand=brand).id


def _quickstart_drafts(day: date) -> None:
    """Draft each playbook for a few demo customers offline; show samples with fact receipts."""
    from assistant.drafting import campaigns, draft_queries
    from assistant.drafting.brand import load_brand
    from assistant.drafting.commands import run_with_bar
    from assistant.drafting.panels import draft_panel
    from assistant.wiring import build_drafter

    settings = get_settings()
    # The quickstart always drafts offline: no key, no network, no cost.
    offline = settings.model_copy(
        update={"llm": settings.llm.model_copy(update={"provider": "offline"})}
    )
    brand = load_brand()
    console.print(f"5. drafting up to {QUICKSTART_DRAFTS} messages per playbook, offline")
    table = Table(title="Drafts (offline drafter)")
    table.add_column("playbook", no_wrap=True)
    table.add_column("segment", no_wrap=True)
    for column in ("drafted", "blocked"):
        table.add_column(column, justify="right")
    table.add_column("skipped", no_wrap=True)
    samples = []
    for playbook in QUICKSTART_PLAYBOOKS:
        campaign_id = _quickstart_campaign(day, playbook, brand)
        run_with_bar(
            campaign_id,
            build_drafter(offline, brand),
            brand,
            concurrency=settings.llm.concurrency,
            description=playbook,
            rate_limit=False,
        )
        with unit_of_work() as session:
            progress = campaigns.campaign_progress(session, campaign_id)
            _, rows = draft_queries.list_drafts(
                session, campaign_id=campaign_id, limit=QUICKSTART_SAMPLES
            )
            samples += [(playbook, external, draft) for draft, external in rows]
        counts = progress["counts"]
        skipped = "\n".join(f"{k} {v:,}" for k, v in counts["skipped"].items())
        table.add_row(
            playbook,
            progress["segment"] or "",
            f"{counts['drafts'].get('pending_review', 0):,}",
            f"{counts['drafts'].get('needs_attention', 0):,}",
            skipped,
        )
    console.print(table)
    for playbook, external, draft in samples:
        codes = [f"{item['severity']} {item['code']}" for item in draft.findings.get("items", [])]
        title = f"{playbook} for {external} ({draft.channel}, {draft.state})"
        console.print(draft_panel(title, draft.body, draft.subject, draft.facts, codes))
