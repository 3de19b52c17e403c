"""`assistant campaigns ...`: list, show, pause, resume and cancel campaigns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from assistant.campaigns import service
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, print_json
from assistant.db import unit_of_work
from assistant.values import plain

campaigns_app = typer.Typer(
    help="Campaigns: list, show, pause, resume, cancel.", no_args_is_help=True
)
ACTOR = "cli"


class Format(StrEnum):
    table = "table"
    json = "json"


def _control(campaign_id: int, action: str, reason: str | None = None) -> service.ControlOutcome:
    try:
        with unit_of_work() as session:
            return service.control(session, campaign_id, action, actor=ACTOR, reason=reason)
    except service.CampaignNotFound:
        raise UserError(service.not_found_message(campaign_id)) from None
    except service.InvalidTransition as exc:
        raise UserError(str(exc)) from None


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {number:,}" for name, number in counts.items())


@campaigns_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, help="At most N campaigns.")] = 50,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Campaigns, newest first, with members and drafts counted by state."""
    with unit_of_work() as session:
        total, rows = service.listing(session, limit=limit)
    if output == Format.json:
        print_json([{k: plain(v) for k, v in row.items()} for row in rows])
        return
    table = Table(
        title=f"Campaigns ({len(rows):,} of {total:,})",
        caption="`assistant campaigns show ID` for more",
    )
    # Few columns: at 80 characters every one still shows.
    table.add_column("id", no_wrap=True)
    for column in ("name", "playbook / segment", "channel", "state", "members", "drafts"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["name"],
            " / ".join(part for part in (row["playbook"], row["segment"]) if part),
            row["channel"],
            row["status"],
            _counted(row["members"]),
            _counted(row["drafts"]),
        )
    console.print(table)


def _when(value: Any) -> str:
    """A timestamp stored as ISO text, as a person reads it."""
    try:
        return cell(datetime.fromisoformat(str(value)).replace(tzinfo=None))
    except ValueError:
        return cell(value)


def _show_table(found: dict[str, Any]) -> Table:
    table = Table(title=f"Campaign {found['id']}: {found['name']}", show_header=False)
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    counts = found["counts"]
    rows: list[tuple[str, Any]] = [
        ("state", found["status"]),
        ("playbook", found["playbook"]),
        ("segment", found["segment"]),
        ("channel", found["channel"]),
        ("created", found["created_at"]),
        ("created by", found["created_by"]),
        ("completed", found["completed_at"]),
        ("members", counts["members"]),
        ("pending (to draft)", counts["pending"]),
        ("drafted", counts["drafted"]),
        ("skipped", _counted(counts["skipped"]) or "none"),
        ("failed", _counted(counts["failed"]) or "none"),
        ("drafts by state", _counted(counts["drafts"]) or "none"),
        ("messages by state", _counted(found["messages"]) or "none"),
        ("why messages wait or stopped", _counted(found["message_reasons"]) or "none"),
        ("tokens in / out", f"{found['tokens_in']:,} / {found['tokens_out']:,}"),
        ("estimated cost", f"${found['cost']:,.4f}"),
    ]
    for action, info in found["control"].items():
        said = f" ({info['reason']})" if info.get("reason") else ""
        rows.append((action, f"{_when(info.get('at'))} by {info.get('by')}{said}"))
    for label, value in rows:
        table.add_row(label, cell(value))
    return table


@campaigns_app.command("show")
def show_command(
    campaign_id: Annotated[int, typer.Argument(metavar="ID", help="The campaign's id.")],
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """Everything about one campaign: counts by draft and message state, reasons, cost."""
    try:
        with unit_of_work() as session:
            found = service.detail(session, campaign_id)
    except service.CampaignNotFound:
        raise UserError(service.not_found_message(campaign_id)) from None
    if output == Format.json:
        print_json({k: plain(v) for k, v in found.items()})
        return
    console.print(_show_table(found))


@campaigns_app.command("pause")
def pause_command(
    campaign_id: Annotated[int, typer.Argument(metavar="ID", help="The campaign's id.")],
) -> None:
    """Stop drafting and hold the campaign's scheduled messages until it is resumed."""
    outcome = _control(campaign_id, "pause")
    if not outcome.changed:
        console.print(f"campaign {campaign_id} is already paused")
        return
    console.print(
        f"campaign {campaign_id} paused: drafting stops, {outcome.messages:,} scheduled "
        f"message(s) held; `assistant campaigns resume {campaign_id}` continues"
    )


@campaigns_app.command("resume")
def resume_command(
    campaign_id: Annotated[int, typer.Argument(metavar="ID", help="The campaign's id.")],
    draft: Annotated[
        bool, typer.Option("--draft/--no-draft", help="Draft the members still pending now.")
    ] = True,
) -> None:
    """Release held messages and continue drafting a paused campaign."""
    outcome = _control(campaign_id, "resume")
    console.print(
        f"campaign {campaign_id} resumed ({outcome.status}): {outcome.messages:,} held "
        f"message(s) released, {outcome.pending:,} member(s) still to draft"
    )
    if not outcome.pending:
        return
    if not draft:
        console.print(f"`assistant drafts generate --resume {campaign_id}` drafts them")
        return
    from assistant.drafting.commands import generate_command

    generate_command(resume=campaign_id)


@campaigns_app.command("cancel")
def cancel_command(
    campaign_id: Annotated[int, typer.Argument(metavar="ID", help="The campaign's id.")],
    reason: Annotated[
        str | None, typer.Option(help="Why; kept with the campaign and each cancelled message.")
    ] = None,
) -> None:
    """Cancel the campaign: drafting stops, nothing of it not yet sent will be sent."""
    outcome = _control(campaign_id, "cancel", reason)
    head = (
        f"campaign {campaign_id} cancelled"
        if outcome.changed
        else f"campaign {campaign_id} was already cancelled"
    )
    console.print(
        f"{head}: {outcome.messages:,} scheduled message(s), {outcome.drafts:,} draft(s) and "
        f"{outcome.members:,} member(s) not yet drafted cancelled; {outcome.sent:,} message(s) "
        "already sent are left as they are"
    )
    if outcome.details.get("reason"):
        console.print(f"reason: {outcome.details['reason']}", highlight=False)
