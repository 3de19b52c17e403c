"""`assistant demo-data`: write a synthetic store as the five import CSV files."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.output import console
from assistant.demo import DemoSummary
from assistant.ingest.commands import byte_progress


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
    with byte_progress() as progress:
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


def demo_outcomes(
    uplift: Annotated[
        float, typer.Option(min=0, max=1, help="True extra conversion from a message.")
    ] = 0.08,
    base_rate: Annotated[
        float, typer.Option(min=0, max=1, help="Conversion without a message.")
    ] = 0.05,
    reply_rate: Annotated[
        float, typer.Option(min=0, max=1, help="Share of sent messages answered.")
    ] = 0.2,
    seed: Annotated[int, typer.Option(help="Same seed, same outcomes.")] = 1,
) -> None:
    """Simulate what demo customers did after the campaigns: orders and replies."""
    from assistant.commandline.errors import UserError
    from assistant.config import get_settings
    from assistant.db import unit_of_work
    from assistant.demo.outcomes import FIRST_HOUR, HOURS, simulate

    settings = get_settings()
    try:
        with unit_of_work() as session:
            truth = simulate(
                session,
                days=settings.metrics.attribution_days,
                brand_zone=settings.app.brand_timezone,
                uplift=uplift,
                base_rate=base_rate,
                reply_rate=reply_rate,
                seed=seed,
            )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    console.print(
        f"simulated {truth.orders:,} new order(s) and {truth.replies:,} new reply(ies) "
        f"(seed {seed}; a second run adds nothing)"
    )
    table = Table(title="The truth, to compare `assistant report holdout` with")
    for column in ("playbook", "treated", "sent a message", "expected lift (points)"):
        table.add_column(column)
    for playbook in sorted(truth.treated):
        members, sent = truth.treated[playbook]
        expected = truth.expected_lift(playbook)
        table.add_row(
            playbook, f"{members:,}", f"{sent:,}", "" if expected is None else f"{expected:.1%}"
        )
    console.print(table)
    console.print(
        f"conversion {base_rate:.1%} without a message, {base_rate + uplift:.1%} with one "
        f"(uplift {uplift:.1%}); expected lift = uplift x share of treated sent a message. "
        f"Replies: {reply_rate:.0%} of sent messages, 1-3 days later at the customer's best "
        f"local hour, {FIRST_HOUR} + sha256('best-hour|<customer id>') mod {HOURS}.",
        highlight=False,
    )
