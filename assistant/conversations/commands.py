"""`assistant conversations list|show|reply`: customers' conversations without Slack.

A reply goes through the same service path, rules and guardrails as one from Slack, acting
as the person at the terminal (`terminal:<os user>`): see `assistant.conversations.replies`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, fail

conversations_app = typer.Typer(
    help="Customers' conversations without Slack: list, show, reply.", no_args_is_help=True
)

RefArg = Annotated[
    str,
    typer.Argument(help="A conversation id, or u<id> for an unknown sender (see `list`)."),
]


def _unknown(ref: str) -> UserError:
    return UserError(f"no conversation {ref!r}; `assistant conversations list` shows the ids")


@conversations_app.command("list")
def list_command(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only open conversations and flagged senders.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """Conversations and unknown senders, the most recent first."""
    from rich.markup import escape
    from rich.table import Table

    from assistant.conversations.views import conversation_rows
    from assistant.db import unit_of_work
    from assistant.review.outcomes import when

    with unit_of_work() as session:
        rows = conversation_rows(session, open_only=open_only, limit=limit)
    if not rows:
        console.print("No conversations." if not open_only else "No open conversations.")
        return
    table = Table()
    for name in ("id", "customer", "channel", "last message", "state", "suggested reply"):
        table.add_column(name, justify="right" if name == "id" else "left")
    for row in rows:
        table.add_row(
            row.ref,
            escape(row.who),  # names come from the brand's data: never markup
            row.channel,
            when(row.last_at) if row.last_at else "",
            row.state,
            "waiting" if row.suggestion_waiting else "",
        )
    console.print(table)


@conversations_app.command("show")
def show_command(ref: RefArg) -> None:
    """The thread in order, and the suggested reply waiting with its findings."""
    from assistant.conversations.terminal import print_thread
    from assistant.conversations.views import thread_view
    from assistant.db import unit_of_work

    with unit_of_work() as session:
        view = thread_view(session, ref)
    if view is None:
        raise _unknown(ref)
    print_thread(console, view)


@conversations_app.command("reply")
def reply_command(
    ref: RefArg,
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve the suggested reply as it is and send it.")
    ] = False,
    text: Annotated[
        str | None, typer.Option("--text", help="Send this reply of your own instead.")
    ] = None,
    editor: Annotated[
        bool | None,
        typer.Option(
            "--editor/--no-editor",
            help="Edit in $EDITOR (default: when the terminal is interactive).",
        ),
    ] = None,
) -> None:
    """Reply: a approve the suggestion, e edit it, w write your own, q quit (or flags)."""
    import sys

    from assistant.conversations import replies
    from assistant.conversations.terminal import ReplySession, report_delivery, say
    from assistant.conversations.views import thread_view
    from assistant.db import unit_of_work
    from assistant.review.actors import terminal_actor

    if approve and text is not None:
        raise UserError("give either --approve or --text, not both")
    with unit_of_work() as session:
        view = thread_view(session, ref)
    if view is None:
        raise _unknown(ref)
    if view.conversation_id is None:
        raise UserError(
            f"{ref} is from {view.who}: no customer has that number, so there is nobody to "
            "reply to; import the customer, then reply in their conversation"
        )
    actor = terminal_actor()
    if not approve and text is None:
        interactive = sys.stdin.isatty() and sys.stdout.isatty()
        session_ = ReplySession(
            console, actor=actor, editor=interactive if editor is None else editor
        )
        if not session_.run(view.conversation_id):
            raise typer.Exit(1)
        return
    conversation_id = view.conversation_id
    if view.blocked_reason:
        fail(f"cannot text this customer ({view.blocked_reason}); nothing was sent", code=1)
    if approve:
        suggestion = view.suggestion
        if suggestion is None:
            fail(
                f"conversation {ref} has no suggested reply waiting; write one with --text",
                code=1,
            )
        with unit_of_work() as session:
            outcome = replies.decide_suggestion(
                session, conversation_id, suggestion.id, actor, version=suggestion.version
            )
    else:
        assert text is not None
        with unit_of_work() as session:
            outcome = replies.write_reply(session, conversation_id, actor, text)
    say(console, outcome)
    if not outcome.applied:
        raise typer.Exit(1)
    report_delivery(console, outcome.draft_id)
