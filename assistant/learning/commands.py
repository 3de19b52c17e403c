"""`assistant prompts examples ...`: the examples learned from staff edits (docs/learning.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console, print_json
from assistant.commandline.preflight import prepare_database
from assistant.db import unit_of_work
from assistant.learning import service
from assistant.models.base import utcnow
from assistant.playbooks import PLAYBOOKS
from assistant.values import plain

prompts_app = typer.Typer(
    help="Prompts: the examples learned from staff edits.", no_args_is_help=True
)
examples_app = typer.Typer(help="Examples learned from edited approvals: list, remove.")
prompts_app.add_typer(examples_app, name="examples")
ACTOR = "cli"
MAX_ID = 2**63 - 1


class Format(StrEnum):
    table = "table"
    json = "json"


@examples_app.callback(invoke_without_command=True)
def list_command(
    ctx: typer.Context,
    playbook: Annotated[str | None, typer.Option(help="Only this playbook's examples.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only sms or email.")] = None,
    removed: Annotated[
        bool, typer.Option("--removed", help="Include removed examples (they stay removed).")
    ] = False,
    output: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
) -> None:
    """List the learned examples, newest first: id, playbook, channel, created, text."""
    if ctx.invoked_subcommand is not None:
        return
    # A group's own callback is not a leaf the lazy CLI prepares the database for.
    prepare_database("ready")
    if playbook is not None:
        choose(playbook, sorted(PLAYBOOKS), what="playbook")
    if channel is not None:
        choose(channel, ("sms", "email"), what="channel")
    with unit_of_work() as session:
        rows = [
            service.describe(row)
            for row in service.listing(session, playbook=playbook, channel=channel, removed=removed)
        ]
    if output == Format.json:
        print_json([{k: plain(v) for k, v in row.items()} for row in rows])
        return
    if not rows:
        console.print("No learned examples yet: they come from drafts edited, then approved.")
        return
    table = Table(
        title=f"Learned examples ({len(rows):,})",
        caption="`assistant prompts examples remove ID` stops using one",
    )
    columns = ["id", "playbook", "channel", "created", "text"]
    if removed:
        columns.append("removed")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        values = [
            str(row["id"]),
            row["playbook"],
            row["channel"],
            cell(row["created_at"]),
            escape(row["text"]),  # [placeholders] are text, not rich markup
        ]
        if removed:
            values.append(cell(row["removed_at"]))
        table.add_row(*values)
    console.print(table)


@examples_app.command("remove")
def remove_command(
    example_id: Annotated[int, typer.Argument(metavar="ID", help="The example's id.")],
) -> None:
    """Stop using an example; the same edit is never learned again (idempotent)."""
    if not 1 <= example_id <= MAX_ID:
        raise UserError(f"no learned example {example_id}")
    try:
        with unit_of_work() as session:
            removal = service.remove(session, example_id, actor=ACTOR, now=utcnow())
            said = "removed" if removal.changed else "was already removed"
            row = removal.row
            summary = f"learned example {row.id} ({row.playbook}, {row.channel}) {said}"
    except service.ExampleNotFound as exc:
        raise UserError(str(exc)) from None
    console.print(summary, highlight=False)
