"""`assistant consent show|set|export`: consent and its evidence, without a CSV.

`set` records the change with the person at the terminal as actor (`terminal:<os user>`);
revoking cancels what is queued on that channel exactly as an opt-out does. `export` writes
the audit pack of one phone number or email address (assistant.consent.audit_pack).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.commandline.errors import UserError
from assistant.commandline.output import console, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

consent_app = typer.Typer(
    help="Consent per channel: show and set a customer's; export a destination's audit pack.",
    no_args_is_help=True,
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
    from assistant.config import get_settings
    from assistant.consent import service
    from assistant.db import unit_of_work

    required = get_settings().delivery.require_ai_consent
    with unit_of_work() as session:
        try:
            document = service.consent_of(session, customer_id, ai_required=required)
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
    ai: Annotated[
        bool,
        typer.Option(
            "--ai",
            help="The change is consent to AI-drafted messages on the channel's address "
            "(ASSISTANT_REQUIRE_AI_CONSENT), not consent to be messaged.",
        ),
    ] = False,
    wording: Annotated[
        str | None,
        typer.Option(help="What the customer agreed to, e.g. the form's consent sentence."),
    ] = None,
    evidence: Annotated[
        str | None,
        typer.Option(help="Where the proof is kept, e.g. 'paper form 2026-12-01 #114'."),
    ] = None,
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
        update = ConsentUpdate(
            channel=channel.value,
            granted=granted,
            source=source,
            force=force,
            ai=ai,
            wording=wording,
            evidence=evidence,
        )
    except ValidationError as exc:
        fields = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        if "source" in fields:
            raise UserError(
                f"--source {source!r} is not a source; use a short lowercase word "
                "(letters, digits, _ - . :), e.g. paper_form"
            ) from None
        raise UserError("--wording is at most 2000 and --evidence 500 characters") from None
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


@consent_app.command("export")
def export(
    phone: Annotated[
        str | None, typer.Option(help="The phone number (E.164, or national in your region).")
    ] = None,
    email: Annotated[str | None, typer.Option(help="The email address.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the JSON here instead of printing it.")
    ] = None,
) -> None:
    """The audit pack of one phone number or email address, as JSON: every consent change,
    every message sent there with its approver, opt-outs with their confirmation."""
    import json

    from assistant.config import get_settings
    from assistant.consent import audit_pack
    from assistant.db import unit_of_work
    from assistant.masking import mask_address
    from assistant.models.base import utcnow

    settings = get_settings()
    try:
        target = audit_pack.destination(
            phone=phone, email=email, region=settings.app.default_phone_region
        )
    except audit_pack.BadDestination as exc:
        raise UserError(f"{exc} (--phone +14155550100 or --email name@example.com)") from None
    with unit_of_work() as session:
        pack = audit_pack.audit_pack(
            session, target, now=utcnow(), ai_required=settings.delivery.require_ai_consent
        )
    if out is None:
        print_json(pack)
        return
    try:
        out.write_text(json.dumps(pack, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    masked = mask_address(target.address)
    changes, sent = len(pack["consent_changes"]), len(pack["messages"])
    console.print(
        f"wrote the audit pack of {masked} to {out}: {changes} consent change(s), "
        f"{sent} message(s)",
        markup=False,
        highlight=False,
    )


def _update_cards_after_commit(session: Session, draft_ids: list[int]) -> None:
    """Show the cancelled drafts' new state in the review channel (Slack) once committed."""
    from assistant.config import get_settings
    from assistant.conversations import tasks  # noqa: F401  (registers the task)
    from assistant.conversations.inbound import UPDATE_DRAFTS
    from assistant.jobs.runners import build_runner, enqueue_after_commit

    enqueue_after_commit(session, build_runner(get_settings()), UPDATE_DRAFTS, draft_ids=draft_ids)
