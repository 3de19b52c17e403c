"""Opting a customer out (or back in) on one channel, with everything that follows from it.

Used by the sender (Twilio 21610), STOP keywords and email unsubscribes alike: consent off,
a ConsentEvent in the ledger (for the customer's current address on the channel, with the
caller's `Proof`: wording and evidence), every queued message and unsent draft for that
customer and channel cancelled. The caller commits, then updates review cards for the
returned draft ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.consent import ledger
from assistant.delivery.state import (
    SYSTEM,
    UNSENT_DRAFT_STATES,
    cancel_message,
    lock_customer,
    move_draft,
)
from assistant.models import Customer, Draft, DraftState, Message


@dataclass
class OptOutResult:
    """What an opt-out stopped."""

    cancelled_messages: list[int] = field(default_factory=list)
    cancelled_drafts: list[int] = field(default_factory=list)


def _set_consent(customer: Customer, channel: str, value: bool, source: str, now: datetime) -> None:
    if channel not in ("sms", "email"):
        # The webhook channel's consent is the brand app's; we hold none to change.
        raise ValueError(f"no consent is held for channel {channel!r}")
    if channel == "sms":
        customer.sms_consent, customer.sms_consent_source = value, source
        customer.sms_consent_at = now
    else:
        customer.email_consent, customer.email_consent_source = value, source
        customer.email_consent_at = now


def address(customer: Customer, channel: str) -> str | None:
    """The customer's current address on `channel`: the destination a change is about."""
    return customer.phone if channel == "sms" else customer.email


def opt_out(
    session: Session,
    customer_id: int,
    channel: str,
    *,
    source: str,
    now: datetime,
    detail: str | None = None,
    actor: str = SYSTEM,
    proof: ledger.Proof | None = None,
) -> OptOutResult:
    """Consent off on `channel`, recorded, and nothing queued for it goes out any more."""
    result = OptOutResult()
    customer = lock_customer(session, customer_id)
    assert customer is not None, f"no customer {customer_id}"
    _set_consent(customer, channel, False, source, now)
    session.add(
        ledger.entry(
            customer_id,
            channel,
            False,
            source=source,
            destination=address(customer, channel),
            now=now,
            actor=actor,
            detail=detail,
            proof=proof,
        )
    )
    queued = session.execute(
        select(Message).where(
            Message.customer_id == customer_id,
            Message.channel == channel,
            Message.direction == "outbound",
            Message.status == "scheduled",
        )
    ).scalars()
    for message in list(queued):
        if cancel_message(session, message, "opted_out", now=now, actor=actor):
            result.cancelled_messages.append(message.id)
            if message.draft_id is not None:
                result.cancelled_drafts.append(message.draft_id)
    drafts = session.execute(
        select(Draft.id).where(
            Draft.customer_id == customer_id,
            Draft.channel == channel,
            Draft.state.in_([str(s) for s in UNSENT_DRAFT_STATES]),
        )
    ).scalars()
    for draft_id in list(drafts):
        if move_draft(
            session,
            draft_id,
            DraftState.CANCELLED,
            UNSENT_DRAFT_STATES,
            action="delivery.opted_out",
            actor=actor,
            data={"channel": channel, "source": source},
            now=now,
        ):
            result.cancelled_drafts.append(draft_id)
    session.flush()
    return result


def opt_in(
    session: Session,
    customer_id: int,
    channel: str,
    *,
    source: str,
    now: datetime,
    detail: str | None = None,
    actor: str = SYSTEM,
    proof: ledger.Proof | None = None,
) -> None:
    """Consent back on for `channel` (the customer asked: START, a consent form), recorded."""
    customer = session.get_one(Customer, customer_id)
    _set_consent(customer, channel, True, source, now)
    session.add(
        ledger.entry(
            customer_id,
            channel,
            True,
            source=source,
            destination=address(customer, channel),
            now=now,
            actor=actor,
            detail=detail,
            proof=proof,
        )
    )
    session.flush()
