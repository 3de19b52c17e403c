"""`assistant customers show|export|forget`: one customer's profile, their data, erasure.

`forget` acts as the person at the terminal (`terminal:<os user>`) and asks first; without
a terminal it needs `--yes`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

customers_app = typer.Typer(
    help="One customer: profile, export of everything held, forget.", no_args_is_help=True
)

CustomerArg = Annotated[
    str, typer.Argument(help="The customer's id (customer_id of customers.csv).")
]


def _unknown(customer_id: str) -> UserError:
    return UserError(
        f"no customer {customer_id!r}; give the customer_id from your customers.csv "
        "(`assistant segments members NAME` lists some)"
    )


@customers_app.command("show")
def show(customer_id: CustomerArg) -> None:
    """JSON: first name, metrics, counts of records, consent per channel (addresses masked)."""
    from assistant.customers import service
    from assistant.db import unit_of_work

    with unit_of_work() as session:
        try:
            document = service.summary(session, customer_id)
        except service.CustomerNotFound:
            raise _unknown(customer_id) from None
    print_json(document.model_dump(mode="json"))


@customers_app.command("export")
def export(
    customer_id: CustomerArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the JSON to this file instead of standard output."
        ),
    ] = None,
) -> None:
    """JSON: everything held on the customer (profile, orders, drafts, messages, consent...)."""
    from assistant.customers.export import export_customer
    from assistant.customers.service import CustomerNotFound
    from assistant.db import unit_of_work
    from assistant.models.base import utcnow

    with unit_of_work() as session:
        try:
            document = export_customer(session, customer_id, now=utcnow())
        except CustomerNotFound:
            raise _unknown(customer_id) from None
    if output is None:
        print_json(document)
        return
    try:
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
    console.print(f"wrote {output}", markup=False, highlight=False)


@customers_app.command("forget")
def forget(
    customer_id: CustomerArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
    ] = False,
) -> None:
    """Erase the customer's personal data; keep orders, counts and the consent ledger."""
    from assistant.customers import service
    from assistant.db import unit_of_work
    from assistant.models.base import utcnow
    from assistant.review.actors import terminal_actor

    if not yes:
        if not sys.stdin.isatty():
            raise UserError(f"forgetting {customer_id} cannot be undone; add --yes to confirm")
        if not typer.confirm(f"Erase {customer_id}'s names, addresses and message texts for good?"):
            raise typer.Exit(1)
    with unit_of_work() as session:
        try:
            result = service.forget_customer(
                session, customer_id, actor=terminal_actor().id, now=utcnow()
            )
        except service.CustomerNotFound:
            raise _unknown(customer_id) from None
        _refresh_cards_after_commit(session, result.carded_drafts + result.cancelled_drafts)
    if not result.forgotten:
        console.print(
            f"{customer_id}: already forgotten; nothing to do", markup=False, soft_wrap=True
        )
        return
    read = result.read()
    console.print(
        f"{customer_id}: forgotten; {read.erased.get('drafts', 0)} draft(s) and "
        f"{read.erased.get('messages', 0)} message(s) erased, {read.cancelled_messages} queued "
        f"message(s) and {read.cancelled_drafts} draft(s) cancelled",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _refresh_cards_after_commit(session: Session, draft_ids: list[int]) -> None:
    """Show the erased, cancelled drafts in the review channel (Slack) once committed."""
    if not draft_ids:
        return
    from assistant.config import get_settings
    from assistant.conversations import tasks  # noqa: F401  (registers the task)
    from assistant.conversations.inbound import UPDATE_DRAFTS
    from assistant.jobs.runners import build_runner, enqueue_after_commit

    ids = list(dict.fromkeys(draft_ids))
    enqueue_after_commit(session, build_runner(get_settings()), UPDATE_DRAFTS, draft_ids=ids)
