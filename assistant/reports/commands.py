"""`assistant report ...`: read-only reports (`review`, `outcomes`, `holdout`, `send-time`,
`variants`) and the page's `page-url` (docs/reports.md, docs/send-time.md, docs/variants.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlencode

import typer
from rich.table import Table

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, print_json
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.playbooks import PLAYBOOKS, UnknownPlaybook, get_playbook
from assistant.reports import holdout, outcomes, service, variants
from assistant.reports.send_time import send_time_report
from assistant.variants.config import VariantsConfigError, load_variants
from assistant.variants.service import report_inputs

report_app = typer.Typer(
    help="Read-only reports: the programme at a glance (no report named), review analytics, "
    "outcomes, holdouts, variants, send time.",
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
        typer.Option(
            help="playbook, prompt_version, variant, model, reviewer, campaign, trigger, week."
        ),
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
        typer.Option(
            help="campaign, trigger, playbook, segment, channel, prompt_version, variant, week."
        ),
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


@report_app.command("page-url")
def page_url_command(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
) -> None:
    """The reports page's address on ASSISTANT_PUBLIC_URL (log in there with a review key)."""
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        raise UserError(f"--since {first} is after --until {last}")
    query = urlencode({k: v.isoformat() for k, v in (("since", first), ("until", last)) if v})
    base = get_settings().app.public_url.rstrip("/")
    console.print(f"{base}/reports" + (f"?{query}" if query else ""), soft_wrap=True, markup=False)


@report_app.command("send-time")
def send_time_command(
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Reply rate per send-time policy; learned vs holdout with a 95% interval."""
    first, last = _day(since, "--since"), _day(until, "--until")
    try:
        with unit_of_work() as session:
            report = send_time_report(session, get_settings(), since=first, until=last)
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json(asdict(report))
        return
    table = Table(
        title=f"Send time: replies within {report.reply_days} days",
        caption="docs/send-time.md says what each number means",
    )
    for column in ("policy", "sent", "replied", "reply rate", "95% interval"):
        table.add_column(column)
    for row in report.policies:
        interval = "" if row.low is None else f"{row.low:.1%} - {row.high:.1%}"
        counts = (f"{row.sent:,}", f"{row.replied:,}")
        table.add_row(row.policy, *counts, _rate(row.reply_rate), interval)
    console.print(table)
    lift = report.lift
    if lift is None:
        console.print(f"learned - holdout: {report.verdict} (under {report.min_per_arm} per arm)")
        return
    console.print(
        f"learned - holdout: {lift.estimate:+.1%} (95% {lift.low:+.1%} to {lift.high:+.1%}): "
        f"{report.verdict}"
    )


@report_app.command("holdout")
def holdout_command(
    since: Annotated[str | None, typer.Option(help="First UTC day of campaigns.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day of campaigns.")] = None,
    by: Annotated[str, typer.Option(help="playbook, campaign or trigger.")] = "playbook",
    campaign: Annotated[int | None, typer.Option(help="Only this campaign.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Treated against held-out customers: conversion lift, revenue per customer, P(effect)."""
    choose(by, holdout.HOLDOUT_GROUPINGS, what="--by")
    first, last = _day(since, "--since"), _day(until, "--until")
    days = get_settings().metrics.attribution_days
    try:
        with unit_of_work() as session:
            rows = holdout.holdout_report(
                session, days=days, since=first, until=last, by=by, campaign_id=campaign
            )
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        groups = [row.as_dict() for row in rows]
        print_json(
            {
                "by": by,
                "since": first,
                "until": last,
                "campaign": campaign,
                "attribution_days": days,
                "groups": groups,
            }
        )
        return
    if not rows:
        console.print(
            f"No campaigns with a holdout from {first or 'the start'} to {last or 'now'}."
        )
        return
    console.print(holdout.table(rows, by, days))


def _interval(value: object, money: bool = False) -> str:
    if value is None:
        return ""
    estimate, low, high = (getattr(value, k) for k in ("estimate", "low", "high"))
    if money:
        return f"{estimate:,.2f} ({low:,.2f} to {high:,.2f})"
    return f"{estimate:.1%} ({low:.1%} to {high:.1%})"


def _variants_table(report: variants.PlaybookVariants) -> Table:
    promoted = f", promoted: {report.promoted}" if report.promoted else ""
    table = Table(title=f"{report.playbook}{promoted}", caption=report.verdict)
    for column in ("variant", "sent", "reply rate", "conversion rate", "rev./msg"):
        table.add_column(column, overflow="fold")
    for row in report.variants:
        table.add_row(
            row.variant,
            f"{row.sent:,}",
            _interval(row.reply_rate),
            _interval(row.conversion_rate),
            _interval(row.revenue_per_message, money=True),
        )
    return table


@report_app.command("variants")
def variants_command(
    playbook: Annotated[str | None, typer.Option(help="Only this playbook.")] = None,
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Per playbook and A/B variant: sent, reply and conversion rates, revenue per message,
    with 95% intervals, and which variant leads once each has enough messages."""
    if playbook is not None:
        try:
            get_playbook(playbook)
        except UnknownPlaybook as exc:
            raise UserError(str(exc)) from None
    first, last = _day(since, "--since"), _day(until, "--until")
    settings = get_settings()
    try:
        config = load_variants()
        with unit_of_work() as session:
            declared, promoted = report_inputs(session, config)
            reports = variants.variant_report(
                session,
                settings,
                since=first,
                until=last,
                playbook=playbook,
                declared=declared,
                promoted=promoted,
            )
    except (service.BadReportInput, VariantsConfigError) as exc:
        raise UserError(str(exc)) from None
    if output == Format.json:
        print_json(
            {
                "since": first,
                "until": last,
                "attribution_days": settings.metrics.attribution_days,
                "min_sent": settings.metrics.variant_min_sent,
                "playbooks": [asdict(r) for r in reports],
            }
        )
        return
    if not reports:
        console.print("No playbook has variants, and no draft was written with one.")
        return
    for report in reports:
        console.print(_variants_table(report))


@report_app.callback(invoke_without_command=True)
def overview(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="First UTC day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last UTC day, YYYY-MM-DD.")] = None,
    campaign: Annotated[int | None, typer.Option(help="Only this campaign.")] = None,
) -> None:
    """Without a report's name: the programme at a glance, per playbook (or one campaign):
    outcomes, conversion against the holdout and review decisions."""
    if ctx.invoked_subcommand is not None:
        if since or until or campaign is not None:
            raise UserError(
                f"--since, --until and --campaign go after the report's name: "
                f"assistant report {ctx.invoked_subcommand} --since ..."
            )
        return
    first, last = _day(since, "--since"), _day(until, "--until")
    settings = get_settings()
    days = settings.metrics.attribution_days
    by = "playbook" if campaign is None else "campaign"
    try:
        with unit_of_work() as session:
            funnel = outcomes.outcomes(
                session, settings, since=first, until=last, by="playbook", campaign_id=campaign
            )
            held = holdout.holdout_report(
                session, days=days, since=first, until=last, by=by, campaign_id=campaign
            )
            review = service.review_analytics(session, since=first, until=last, by=by)
    except service.BadReportInput as exc:
        raise UserError(str(exc)) from None
    if campaign is not None:
        review = [row for row in review if row.key == str(campaign)]
    console.print(_outcomes_table(funnel, "playbook", days))
    if held:
        console.print(holdout.table(held, by, days))
    else:
        console.print("No campaigns with a holdout in this window.")
    console.print(_table(review, by))
    console.print(
        "More: assistant report variants | send-time | outcomes --by ... | review --by week"
    )
