"""`assistant delivery check`: may a marketing message go to a customer now, and if not, why
and when (JSON on stdout; exit 0 allowed, 1 not allowed, 2 a usage error)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from assistant.commandline.choices import choose
from assistant.commandline.errors import UserError
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.check import CHANNELS, UnknownCustomer, check_delivery, find_customer
from assistant.delivery.policy import DeliveryPolicy

delivery_app = typer.Typer(
    help="Delivery rules: check why a message to a customer would wait.", no_args_is_help=True
)


def parse_moment(text: str | None) -> datetime:
    """`--at`: an ISO 8601 moment with its offset (`Z` or `+01:00`); absent: now.

    A time without an offset is refused: whose 10:00 it is decides the answer."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--at {text!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise UserError(f"--at {text!r} has no UTC offset; add one, e.g. {text.strip()}Z or +01:00")
    return moment.astimezone(UTC)


@delivery_app.command("check")
def check_command(
    customer_id: Annotated[str, typer.Argument(help="The customer_id from the import.")],
    channel: Annotated[str, typer.Option(help="sms or email.")] = "sms",
    at: Annotated[
        str | None,
        typer.Option(help="ISO 8601 moment with offset, e.g. 2026-12-25T10:00:00+01:00 (now)."),
    ] = None,
) -> None:
    """Print {"allowed", "reasons", "next_allowed_at"} for a marketing message at --at."""
    chosen = choose(channel, CHANNELS, what="channel")
    moment = parse_moment(at)
    policy = DeliveryPolicy.from_settings(get_settings())
    with unit_of_work() as session:
        try:
            customer = find_customer(session, customer_id)
        except UnknownCustomer as exc:
            raise UserError(str(exc)) from None
        answer = check_delivery(session, customer, chosen, moment, policy)
    typer.echo(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
    if not answer.allowed:
        raise typer.Exit(1)
