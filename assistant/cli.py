"""The `assistant` command."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from assistant.config import get_settings
from assistant.db import get_engine, redacted_url, unit_of_work
from assistant.demo import DemoSummary
from assistant.drafting.brand import Brand
from assistant.drafting.commands import drafts_app
from assistant.drafting.guardrails.commands import guardrails_app
from assistant.ingest.service import (
    ImportRejected,
    ImportReport,
    ImportUsageError,
    import_files,
)
from assistant.jobs.commands import worker
from assistant.metrics.commands import metrics_app
from assistant.review.commands import review_command
from assistant.segments.commands import segments_app


class _ConsoleWarnings(logging.Handler):
    """Shows the package's warnings to the person at the terminal."""

    def emit(self, record: logging.LogRecord) -> None:
        errors.print(f"[yellow]warning:[/] {record.getMessage()}", highlight=False)


def _configure_logging() -> None:
    package = logging.getLogger("assistant")
    if not any(isinstance(h, _ConsoleWarnings) for h in package.handlers):
        handler = _ConsoleWarnings(level=logging.WARNING)
        package.addHandler(handler)


app = typer.Typer(
    help="1:1 customer messaging assistant for retail and DTC brands.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(metrics_app, name="metrics")
app.add_typer(segments_app, name="segments")
app.add_typer(guardrails_app, name="guardrails")
app.add_typer(drafts_app, name="drafts")
app.command("review")(review_command)
app.command("worker")(worker)


@app.callback()
def _main() -> None:
    """1:1 customer messaging assistant for retail and DTC brands."""
    _configure_logging()


console = Console()
errors = Console(stderr=True)

QUICKSTART_CUSTOMERS = 3000
QUICKSTART_SEED = 7


class _ImportBar:
    """Shows an import's progress: one bar per file, in bytes read."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.kind = ""

    def file_started(self, kind: str, path: Path, total_bytes: int) -> None:
        self.kind = kind
        self.task = self.progress.add_task(f"{kind}: reading", total=max(total_bytes, 1))

    def advanced(self, bytes_read: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=bytes_read)

    def phase(self, description: str) -> None:
        if self.task is not None:
            total = self.progress.tasks[self.task].total
            self.progress.update(
                self.task, description=f"{self.kind}: {description}", completed=total
            )

    def file_finished(self) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=f"{self.kind}: done")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _print_report(report: ImportReport, *, limit: int = 50) -> None:
    table = Table(title="Import")
    table.add_column("file", no_wrap=True, min_width=15)
    for column in ("rows", "inserted", "updated", "unchanged", "rejected", "seconds"):
        table.add_column(column, justify="right")
    for f in report.files:
        table.add_row(
            f.path.name,
            f"{f.rows:,}",
            f"{f.inserted:,}",
            f"{f.updated:,}",
            f"{max(f.unchanged, 0):,}",
            f"{f.rejected:,}",
            f"{f.seconds:.1f}",
        )
    console.print(table)
    for f in report.files:
        if f.consent_kept_off:
            console.print(
                f"[yellow]{f.path.name}: kept consent off for {f.consent_kept_off:,} customer(s) "
                "who opted out themselves[/]"
            )
    shown = 0
    for f in report.files:
        for error in f.listed_errors:
            if shown >= limit:
                break
            errors.print(f"[red]{error}[/]", highlight=False, markup=True)
            shown += 1
    if report.error_count > shown:
        errors.print(f"... and {report.error_count - shown:,} more problem(s)")
    for f in report.files:
        if f.rejects_path:
            console.print(
                f"{f.rejected:,} rejected row(s) of {f.path.name} written to {f.rejects_path}"
            )


def run_import(paths: list[Path], *, skip_invalid: bool) -> ImportReport:
    """Import `paths` in one unit of work, with a progress bar; raises ImportRejected."""
    with _progress() as progress, unit_of_work() as session:
        return import_files(
            session, paths, skip_invalid=skip_invalid, progress=_ImportBar(progress)
        )


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="CSV files or folders of them.")],
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Import the valid rows; write the others to NAME.rejects.csv."
        ),
    ] = False,
) -> None:
    """Import customers, products, orders, order_items and returns CSV files (kind from name)."""
    _require_schema()
    try:
        report = run_import(paths, skip_invalid=skip_invalid)
    except ImportUsageError as exc:
        errors.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except ImportRejected as rejected:
        _print_report(rejected.report)
        errors.print(
            f"[red]Nothing was imported:[/] {rejected.report.error_count:,} problem(s). "
            "Fix them, or use --skip-invalid to import the valid rows."
        )
        raise typer.Exit(1) from None
    _print_report(report)


def _require_schema() -> None:
    from assistant.migrate import current_revision, upgrade

    engine = get_engine()
    if current_revision(engine) is None and engine.dialect.name == "sqlite":
        # The embedded default creates its own database; a server database is migrated
        # deliberately with `assistant db upgrade`.
        upgrade(engine)
    elif current_revision(engine) is None:
        errors.print(
            f"[red]error:[/] {redacted_url(get_settings().database.url)} has no schema; "
            "run `assistant db upgrade` first"
        )
        raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply Alembic migrations (default: all)."""
    from assistant.migrate import current_revision, upgrade

    engine = get_engine()
    upgrade(engine, revision)
    console.print(
        f"{redacted_url(get_settings().database.url)} is at revision {current_revision(engine)}"
    )


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target, e.g. base.")]) -> None:
    """Revert migrations down to REVISION."""
    from assistant.migrate import current_revision, downgrade

    engine = get_engine()
    downgrade(engine, revision)
    console.print(f"now at revision {current_revision(engine)}")


# --- sms: SMS encoding and segments (assistant/drafting/sms_segments.py) ---
sms_app = typer.Typer(help="SMS encoding.", no_args_is_help=True)
app.add_typer(sms_app, name="sms")


@sms_app.command("segments")
def sms_segments(text: Annotated[str, typer.Argument(help="The SMS body.")]) -> None:
    """Print the body's encoding, segment count and character count as one line of JSON."""
    import json

    from assistant.drafting.sms_segments import analyse

    info = analyse(text)
    # Plain echo, not rich: the line is machine-read and must not be wrapped or styled.
    typer.echo(
        json.dumps(
            {"encoding": info.encoding, "segments": info.segments, "characters": info.characters},
            ensure_ascii=False,
        )
    )


# --- end sms ---


@app.command("demo-data")
def demo_data(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the CSV files into.")],
    customers: Annotated[int, typer.Option(min=1, help="How many customers.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Same seed (and as-of), same files.")] = 1,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="The store's 'today' (default: today, UTC)."),
    ] = None,
) -> None:
    """Write a realistic synthetic store as the five import CSV files."""
    from assistant.demo import generate_store

    day = as_of.date() if as_of else datetime.now(UTC).date()
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("generating", total=customers)

        def on_progress(kind: str, done: int, total: int) -> None:
            progress.update(task, description=f"generating {kind}", completed=done, total=total)

        summary = generate_store(
            out_dir, customers=customers, seed=seed, as_of=day, on_progress=on_progress
        )
    _print_demo_summary(summary, time.perf_counter() - started, day)


def _print_demo_summary(summary: DemoSummary, seconds: float, day: date) -> None:
    table = Table(title=f"Demo store (as of {day.isoformat()}) in {seconds:.1f} s")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for kind in ("customers", "products", "orders", "order_items", "returns"):
        table.add_row(f"{kind}.csv", f"{getattr(summary, kind):,}")
    console.print(table)
    console.print(f"written to {summary.out_dir}")


@app.command()
def quickstart(
    customers: Annotated[int, typer.Option(min=1)] = QUICKSTART_CUSTOMERS,
    seed: Annotated[int, typer.Option()] = QUICKSTART_SEED,
    data_dir: Annotated[Path, typer.Option(help="Where the demo CSVs go.")] = Path("demo-store"),
) -> None:
    """Everything on embedded defaults: database, demo store, import; then what to do next."""
    from assistant.demo import generate_store
    from assistant.migrate import current_revision, upgrade

    settings = get_settings()
    engine = get_engine()
    console.rule("Customer messaging assistant: quickstart")
    upgrade(engine)
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
        _print_report(rejected.report)
        raise typer.Exit(1) from None
    _print_report(report)
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
    from assistant.drafting import campaigns
    from assistant.drafting.brand import load_brand
    from assistant.drafting.commands import draft_panel, run_with_bar
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
            _, rows = campaigns.list_drafts(
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


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Run the web service (and the Slack app over Socket Mode when SLACK_APP_TOKEN is set)."""
    import uvicorn

    from assistant.api import create_app
    from assistant.wiring import start_slack_socket_mode

    # Socket Mode: for teams without a public URL; Slack's websocket, same listeners.
    start_slack_socket_mode(get_settings())
    uvicorn.run(create_app(), host=host, port=port, log_level=get_settings().app.log_level.lower())


if __name__ == "__main__":
    app()
