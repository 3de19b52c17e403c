"""`assistant report ...`: read-only reports: `review` and `outcomes` (docs/reports.md)."""

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
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.playbooks import PLAYBOOKS
from assistant.reports import outcomes, service

report_app = typer.Typer(
    help="Read-only reports: review analytics, outcomes.", no_args_is_help=True
)


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
    playbook: Annotated[
        str | None, typer.Option(help="Only this playbook's drafts (with --by week: learning).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Approval, edit and rejection rates, time to decision, edit distance, reasons, findings."""
    choose(by, service.DIMENSIONS, what="--by")
    if playbook is not None:
        choose(playbook, sorted(PLAYBOOKS), what="playbook")
    first, last = _day(since, "--since"), _day(until, "--until")
    try:
        with unit_of_work() as session:
            rows = service.review_analytics(
                session, since=first, until=last, by=by, playbook=playbook
            )
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        groups = [asdict(r) for r in rows]
        print_json(
            {"by": by, "playbook": playbook, "since": first, "until": last, "groups": groups}
        )
        return
    if not rows:
        console.print(f"No drafts from {first or 'the start'} to {last or 'now'}.")
        return
    console.print(_table(rows, by))


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _outcomes_table(rows: list[outcomes.OutcomeRow], by: str, days: int) -> Table:
    table = Table(
        title=f"Outcomes by {by} (orders within {days} days, last touch)",
        caption="docs/reports.md says what each number means",
    )
    columns = ("drafted", "approved", "sent", "delivered", "replied", "opted out", "converted")
    for column in (by, *columns, "orders", "revenue", "rev./msg", "cost"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.key,
            *(f"{n:,}" for n in (row.drafted, row.approved, row.sent, row.delivered)),
            *(f"{n:,}" for n in (row.replied, row.opted_out, row.converted, row.orders)),
            _money(row.revenue),
            _money(row.revenue_per_message),
            f"{row.cost:,.4f}",
        )
    return table


@report_app.command("outcomes")
def outcomes_command(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    by: Annotated[
        str,
        typer.Option(help="campaign, trigger, playbook, segment, channel, prompt_version, week."),
    ] = "campaign",
    campaign: Annotated[int | None, typer.Option(help="Only this campaign.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Drafted to converted, attributed revenue and cost, per group (last touch)."""
    choose(by, outcomes.GROUPINGS, what="--by")
    first, last = _day(since, "--since"), _day(until, "--until")
    settings = get_settings()
    days = settings.metrics.attribution_days
    try:
        with unit_of_work() as session:
            rows = outcomes.outcomes(
                session, settings, since=first, until=last, by=by, campaign_id=campaign
            )
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json(
            {
                "by": by,
                "since": first,
                "until": last,
                "campaign": campaign,
                "attribution_days": days,
                "groups": [asdict(r) for r in rows],
            }
        )
        return
    if not rows:
        console.print(f"No drafts or messages from {first or 'the start'} to {last or 'now'}.")
        return
    console.print(_outcomes_table(rows, by, days))
