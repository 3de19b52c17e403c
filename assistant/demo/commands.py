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
