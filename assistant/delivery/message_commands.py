"""`assistant messages list`: what was sent, when, and why not."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.commandline.output import cell, console
from assistant.db import unit_of_work
from assistant.delivery.messages import MESSAGE_STATES, UnknownCustomer, customer_pk, list_messages
from assistant.drafting.draft_commands import known_campaign

messages_app = typer.Typer(help="Messages sent, waiting or stopped, and why.", no_args_is_help=True)


@messages_app.command("list")
def list_command(
    customer: Annotated[
        str | None, typer.Option(help="Only this customer's (their customer_id from the import).")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="Only messages in this state: " + ", ".join(MESSAGE_STATES))
    ] = None,
    campaign: Annotated[int | None, typer.Option(help="Only this campaign's messages.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most N messages.")] = 50,
) -> None:
    """Outbound messages, newest first: state, times, and the reason held, cancelled or failed."""
    state = None if status is None else choose(status, MESSAGE_STATES, what="status")
    with unit_of_work() as session:
        known_campaign(session, campaign)
        try:
            pk = customer_pk(session, customer) if customer is not None else None
        except UnknownCustomer as exc:
            raise UserError(str(exc)) from None
        rows = list_messages(
            session, customer_id=pk, state=state, campaign_id=campaign, limit=limit
        )
    table = Table(title=f"Messages ({len(rows):,}, newest first)")
    # Few, narrow columns: at 80 characters every one still shows.
    table.add_column("id", no_wrap=True)
    table.add_column("customer", overflow="fold")
    table.add_column("channel", overflow="fold")
    table.add_column("state", overflow="fold")
    table.add_column("when (UTC)", overflow="fold")
    table.add_column("why", overflow="fold")
    table.add_column("draft / campaign", overflow="fold")
    for row in rows:
        why = ": ".join(part for part in (row.reason, row.detail) if part)
        when = f"sent {cell(row.sent_at)}" if row.sent_at else f"due {cell(row.scheduled_for)}"
        channel = row.channel + (f" {row.kind}" if row.kind != "marketing" else "")
        origin = " / ".join(cell(v) for v in (row.draft_id, row.campaign_id) if v is not None)
        table.add_row(str(row.id), row.customer_id, channel, row.state, when, why, origin)
    console.print(table)
