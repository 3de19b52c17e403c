"""`assistant metrics ...`: refresh and export per-customer metrics."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.db import get_engine, unit_of_work
from assistant.metrics.export import write_export

metrics_app = typer.Typer(help="Per-customer metrics: RFM, CLV, BTYD.", no_args_is_help=True)
console = Console(stderr=True)


@metrics_app.command("refresh")
def refresh_command(
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"], help="Compute as of the end of this day (default: today, UTC)."
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Recompute every customer's purchase aggregates, not only changed ones."
        ),
    ] = False,
    refit_clv: Annotated[
        bool,
        typer.Option(
            "--refit-clv",
            help="Fit the CLV models again now (default: weekly, or once the data moved).",
        ),
    ] = False,
) -> None:
    """Bring every customer's metrics up to a day (incrementally when the last refresh allows)."""
    # The CLV fit needs scipy: imported here so `metrics export` starts without it.
    from assistant.metrics import service

    with console.status("refreshing metrics"), unit_of_work() as session:
        report = service.refresh(
            session,
            as_of.date() if as_of else None,
            mode="full" if full else "auto",
            refit_clv=refit_clv,
        )
    with console.status("tidying up"):
        service.tidy_after_refresh(get_engine())
    how = (
        f"incremental: {report.recomputed:,} customers recomputed, {report.rescored:,} rescored"
        if report.incremental
        else f"full: {report.why_full}"
    )
    how += f"; CLV models refitted: {report.clv_refit}" if report.clv_refit else ""
    console.print(
        f"metrics as of {report.as_of.isoformat()}: {report.customers:,} customers, "
        f"{report.with_orders:,} with purchases, in {report.seconds:.1f} s ({how})"
    )


@metrics_app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output).")
    ] = None,
) -> None:
    """Write every customer's metrics with the contract's columns."""
    if fmt not in ("csv", "json"):
        console.print(f"[red]error:[/] --format must be csv or json, not {fmt!r}")
        raise typer.Exit(2)
    with unit_of_work() as session:
        if out is None:
            count = write_export(session, sys.stdout, fmt)
        else:
            with out.open("w", encoding="utf-8", newline="") as handle:
                count = write_export(session, handle, fmt)
    if count == 0:
        console.print("[yellow]no metrics yet: run `assistant metrics refresh` first[/]")
    elif out is not None:
        console.print(f"{count:,} customers written to {out}")
