"""`assistant consent show|set`: a customer's consent and its evidence, without a CSV.

`set` records the change with the person at the terminal as actor (`terminal:<os user>`);
revoking cancels what is queued on that channel exactly as an opt-out does.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

consent_app = typer.Typer(
    help="A customer's consent per channel: show and set.", no_args_is_help=True
)

CustomerArg = Annotated[
    str, typer.Argument(help="The customer's id (customer_id of customers.csv).")
]


class ChannelChoice(StrEnum):
    """The channels consent is kept for."""

    SMS = "sms"
    EMAIL = "email"


def _unknown(customer_id: str) -> UserError:
    return UserError(
        f"no customer {customer_id!r}; give the customer_id from your customers.csv "
        "(`assistant segments members NAME` lists some)"
    )


@consent_app.command("show")
def show(customer_id: CustomerArg) -> None:
    """JSON: consent per channel (source, time, masked address) and every change recorded."""
    from assistant.consent import service
    from assistant.db import unit_of_work

    with unit_of_work() as session:
        try:
            document = service.consent_of(session, customer_id)
        except service.CustomerNotFound:
            raise _unknown(customer_id) from None
    print_json(document.model_dump(mode="json"))


@consent_app.command("set")
def set_consent(
    customer_id: CustomerArg,
    channel: Annotated[ChannelChoice, typer.Option(help="The channel: sms or email.")],
    source: Annotated[
        str,
        typer.Option(help="Where this consent comes from: a short word, e.g. paper_form."),
    ],
    granted: Annotated[
        bool | None,
        typer.Option("--granted/--revoked", help="Grant or revoke consent on the channel."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Grant even though the customer withdrew consent themself (STOP, an "
            "unsubscribe); --source must say how they consented again.",
        ),
    ] = False,
) -> None:
    """Grant or revoke consent on one channel, recorded with you as the actor."""
    from pydantic import ValidationError

    from assistant.consent import service
    from assistant.consent.schemas import ConsentUpdate
    from assistant.db import unit_of_work
    from assistant.models.base import utcnow
    from assistant.review.actors import terminal_actor

    if granted is None:
        raise UserError("say --granted or --revoked")
    try:
        update = ConsentUpdate(channel=channel.value, granted=granted, source=source, force=force)
    except ValidationError:
        raise UserError(
            f"--source {source!r} is not a source; use a short lowercase word "
            "(letters, digits, _ - . :), e.g. paper_form"
        ) from None
    with unit_of_work() as session:
        try:
            change = service.set_consent(
                session, customer_id, update, terminal_actor(), now=utcnow()
            )
        except service.CustomerNotFound:
            raise _unknown(customer_id) from None
        except service.ConsentRefused as exc:
            raise UserError(f"refused: {exc}") from None
        if change.cancelled_drafts:
            _update_cards_after_commit(session, change.cancelled_drafts)
    console.print(f"{customer_id}: {change.message}", markup=False, highlight=False)
    if change.lifted_suppressions:
        console.print("the address is no longer suppressed", markup=False)


def _update_cards_after_commit(session: Session, draft_ids: list[int]) -> None:
    """Show the cancelled drafts' new state in the review channel (Slack) once committed."""
    from assistant.config import get_settings
    from assistant.conversations import tasks  # noqa: F401  (registers the task)
    from assistant.conversations.inbound import UPDATE_DRAFTS
    from assistant.jobs.runners import build_runner, enqueue_after_commit

    enqueue_after_commit(session, build_runner(get_settings()), UPDATE_DRAFTS, draft_ids=draft_ids)
