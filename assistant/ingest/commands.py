"""`assistant import`: load CSV files, with a progress bar and a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
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

from assistant.commandline.output import console, errors
from assistant.db import unit_of_work
from assistant.ingest.service import (
    ImportRejected,
    ImportReport,
    ImportUsageError,
    import_files,
)


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


def byte_progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def print_report(report: ImportReport, *, limit: int = 50) -> None:
    """The summary table, notes on how files were read, the first problems, rejects files."""
    console.print(_refused_table(report) if report.refused else _table(report))
    for f in report.files:
        for note in f.notes:
            console.print(f"[yellow]{f.path.name}: {escape(note)}[/]", highlight=False)
        if f.consent_kept_off:
            console.print(
                f"[yellow]{f.path.name}: kept consent off for {f.consent_kept_off:,} customer(s) "
                "who opted out themselves[/]"
            )
        if f.forgotten_skipped:
            console.print(
                f"[yellow]{f.path.name}: skipped {f.forgotten_skipped:,} row(s) of forgotten "
                "customer(s)[/]"
            )
    if not report.refused and report.files and report.written == 0:
        if all(f.rows == 0 and not f.error_count for f in report.files):
            console.print("[yellow]Nothing was imported: no file had any data rows.[/]")
        elif all(f.unchanged <= 0 for f in report.files):
            console.print("[yellow]Nothing was imported: no file had a valid row.[/]")
    shown = 0
    for f in report.files:
        for error in f.listed_errors:
            if shown >= limit:
                break
            errors.print(f"[red]{escape(str(error))}[/]", highlight=False, markup=True)
            shown += 1
    if report.error_count > shown:
        errors.print(f"... and {report.error_count - shown:,} more problem(s)")
    for f in report.files:
        if f.rejects_path:
            what = (
                f"the reason {f.path.name} was refused"
                if f.unreadable
                else f"{f.rejected:,} rejected row(s) of {f.path.name}"
            )
            console.print(f"{what} written to {f.rejects_path}")


def _table(report: ImportReport) -> Table:
    table = Table(title="Import")
    table.add_column("file", no_wrap=True, min_width=15)
    # Whole headers even at 80 characters: "sec" rather than "seconds" makes the room.
    for column in ("rows", "inserted", "updated", "unchanged", "rejected", "sec"):
        table.add_column(column, justify="right", min_width=len(column))
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
    return table


def _refused_table(report: ImportReport) -> Table:
    """The table of a rolled-back import: what was read and refused, no written counts."""
    table = Table(title="Import refused: nothing was imported")
    table.add_column("file", no_wrap=True, min_width=15)
    for column in ("rows", "rejected", "seconds"):
        table.add_column(column, justify="right")
    table.add_column("status")
    for f in report.files:
        status = f"refused: {f.error_count:,} problem(s)" if f.error_count else "not imported"
        table.add_row(f.path.name, f"{f.rows:,}", f"{f.rejected:,}", f"{f.seconds:.1f}", status)
    return table


def run_import(paths: list[Path], *, skip_invalid: bool) -> ImportReport:
    """Import `paths` in one unit of work, with a progress bar; raises ImportRejected."""
    with byte_progress() as progress, unit_of_work() as session:
        return import_files(
            session, paths, skip_invalid=skip_invalid, progress=_ImportBar(progress)
        )


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
    try:
        report = run_import(paths, skip_invalid=skip_invalid)
    except ImportUsageError as exc:
        errors.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except ImportRejected as rejected:
        print_report(rejected.report)
        errors.print(
            f"[red]Nothing was imported:[/] {rejected.report.error_count:,} problem(s). "
            "Fix them, or use --skip-invalid to import the valid rows."
        )
        raise typer.Exit(1) from None
    print_report(report)
