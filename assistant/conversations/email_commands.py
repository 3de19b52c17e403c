"""`assistant email poll`: fetch customers' email replies from ASSISTANT_IMAP_URL now."""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json

email_app = typer.Typer(help="Customers' email replies: fetch them now.", no_args_is_help=True)


@email_app.command("poll")
def poll_command(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many messages.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Fetch unread replies, store each in its conversation, mark it read (the worker's tick
    does the same when ASSISTANT_IMAP_URL is set)."""
    from assistant.config import get_settings
    from assistant.conversations.email_tasks import poll_now
    from assistant.ports import InboxError

    settings = get_settings()
    if settings.email.imap_url is None or not settings.email.imap_url.get_secret_value():
        raise UserError("ASSISTANT_IMAP_URL is not set: there is no mailbox to poll")
    try:
        result = poll_now(settings, limit=limit)
    except (InboxError, ValueError) as exc:  # ValueError: an ASSISTANT_IMAP_URL that won't parse
        raise UserError(str(exc)) from None
    if result is None:
        raise UserError("another poll is running; try again in a moment")
    counts = {"fetched": result.fetched, **result.outcomes}
    if as_json:
        print_json(counts)
        return
    console.print(", ".join(f"{name} {count}" for name, count in counts.items()))
