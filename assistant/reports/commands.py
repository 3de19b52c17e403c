"""`assistant report ...`: read-only reports; `review` is review analytics (docs/reports.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, print_json
from assistant.db import unit_of_work
from assistant.reports import service

report_app = typer.Typer(help="Read-only reports: review analytics.", no_args_is_help=True)


class Format(StrEnum):
    table = "table"
    json = "json"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date; use YYYY-MM-DD") from None


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _table(rows: list[service.ReviewRow], by: str) -> Table:
    table = Table(title=f"Review by {by}", caption="docs/reports.md says what each number means")
    table.add_column(by, overflow="fold")
    for column in (
        "drafted",
        "decided",
        "approved (unchanged / edited)",
        "rejected",
        "regen.",
        "overr.",
        "approve / edit / reject",
        "median min",
        "edit dist. mean / median",
        "rejection reasons",
        "findings",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.key,
            f"{row.drafted:,}",
            f"{row.decided:,}",
            f"{row.approved:,} ({row.approved_unchanged:,} / {row.edited:,})",
            f"{row.rejected:,}",
            f"{row.regenerated:,}",
            f"{row.overridden:,}",
            " / ".join(_rate(r) for r in (row.approval_rate, row.edit_rate, row.rejection_rate)),
            _number(row.median_minutes_to_decision),
            " / ".join(_number(d) for d in (row.mean_edit_distance, row.median_edit_distance)),
            cell(row.rejection_reasons),
            cell(row.findings),
        )
    return table


@report_app.command("review")
def review_command(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    by: Annotated[
        str,
        typer.Option(help="playbook, prompt_version, model, reviewer, campaign, trigger, week."),
    ] = "playbook",
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Approval, edit and rejection rates, time to decision, edit distance, reasons, findings."""
    choose(by, service.DIMENSIONS, what="--by")
    first, last = _day(since, "--since"), _day(until, "--until")
    try:
        with unit_of_work() as session:
            rows = service.review_analytics(session, since=first, until=last, by=by)
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json({"by": by, "since": first, "until": last, "groups": [asdict(r) for r in rows]})
        return
    if not rows:
        console.print(f"No drafts from {first or 'the start'} to {last or 'now'}.")
        return
    console.print(_table(rows, by))
