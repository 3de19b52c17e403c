"""Showing and setting a customer's consent, as staff do without a CSV.

Revoking goes through the same path as an opt-out (`assistant.delivery.consent.opt_out`):
consent off, a ConsentEvent with the actor, and every queued message and unsent draft on
that channel cancelled, so the sender never sends them. Granting never silently undoes a
withdrawal the customer made themself (STOP, a free-text request, an email unsubscribe,
the carrier's opt-out) nor the suppression it left: that needs `force` and a `source`
saying how they consented again. Services flush; the caller's unit of work commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from assistant.consent import ledger
from assistant.consent import repository as repo
from assistant.consent.schemas import (
    CHANNELS,
    ChannelConsentRead,
    ConsentEventRead,
    ConsentRead,
    ConsentUpdate,
)
from assistant.delivery import consent as delivery_consent
from assistant.delivery.rules import address_of
from assistant.fingerprints import PREFIX
from assistant.masking import mask_address
from assistant.models import ConsentEvent, Customer
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES
from assistant.review.actors import Actor

log = logging.getLogger(__name__)

# Sources only the system records (an import, the customer's own keyword or unsubscribe,
# the carrier): staff saying so would be a false record.
SYSTEM_SOURCES = ("import", "sms_keyword", "email_unsubscribe", "provider")
CHANNEL_WORDS = {"sms": "SMS", "email": "email"}


class CustomerNotFound(LookupError):
    """No customer with that external id."""


class ConsentRefused(ValueError):
    """The change may not be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class ConsentChange:
    """What one `set_consent` did: `changed` False recorded nothing (`message` says why)."""

    changed: bool
    message: str
    cancelled_messages: list[int] = field(default_factory=list)
    cancelled_drafts: list[int] = field(default_factory=list)
    lifted_suppressions: int = 0


def _state(customer: Customer, channel: str) -> tuple[bool, str | None, datetime | None]:
    if channel == "sms":
        return customer.sms_consent, customer.sms_consent_source, customer.sms_consent_at
    return customer.email_consent, customer.email_consent_source, customer.email_consent_at


def consent_of(session: Session, external_id: str, *, ai_required: bool = False) -> ConsentRead:
    """The customer's consent per channel now, with every recorded change (addresses masked).

    `ai_required` (ASSISTANT_REQUIRE_AI_CONSENT): a destination without AI consent shows
    `ledger_problem` `no_ai_consent`."""
    customer = repo.customer_by_external_id(session, external_id)
    if customer is None:
        raise CustomerNotFound(f"no customer {external_id!r}")
    channels = {}
    for channel in CHANNELS:
        granted, source, at = _state(customer, channel)
        address = address_of(customer, channel)
        ai = ledger.ai_consent(session, channel, address)
        problem = None
        if granted:
            problem = ledger.destination_problem(session, customer.id, channel, address)
            if problem is None and ai_required and address is not None and not ai:
                problem = ledger.NO_AI_CONSENT
        channels[channel] = ChannelConsentRead(
            granted=granted,
            source=source,
            at=at,
            destination=mask_address(address),
            suppressed=bool(repo.suppression_reasons(session, channel, address)),
            ai_consent=ai,
            ledger_problem=problem,
        )
    history = [event_read(event) for event in repo.history(session, customer.id)]
    return ConsentRead(
        customer_id=customer.external_id,
        channels=channels,
        history=history,
        ai_consent_required=ai_required,
    )


def event_read(event: ConsentEvent) -> ConsentEventRead:
    """One ledger row as staff see it: the destination masked."""
    return ConsentEventRead(
        channel=event.channel,
        granted=event.consented,
        source=event.source,
        actor=event.actor,
        at=event.occurred_at,
        detail=event.detail,
        purpose=event.purpose,
        destination=masked_destination(event.destination),
        wording=event.wording,
        evidence=dict(event.evidence or {}),
    )


def masked_destination(destination: str | None) -> str | None:
    """A ledger destination masked; a forgotten customer's fingerprint stays as it is."""
    if destination is not None and destination.startswith(PREFIX):
        return destination
    return mask_address(destination)


def withdrawal(session: Session, customer: Customer, channel: str) -> str | None:
    """How the customer withdrew consent on `channel` themself, if they did (else None)."""
    granted, source, at = _state(customer, channel)
    if not granted and source in CUSTOMER_REVOCATION_SOURCES:
        return f"{source} on {at:%Y-%m-%d}" if at else str(source)
    reasons = repo.suppression_reasons(session, channel, address_of(customer, channel))
    own = [r for r in reasons if r in CUSTOMER_REVOCATION_SOURCES]
    if own:
        return f"the address is suppressed by {own[0]}"
    return None


def set_consent(
    session: Session,
    external_id: str,
    update: ConsentUpdate,
    actor: Actor,
    *,
    now: datetime,
) -> ConsentChange:
    """Grant or revoke consent on one channel as `actor`, recorded in consent_events."""
    repo.write_lock(session)
    customer = repo.customer_by_external_id(session, external_id, lock=True)
    if customer is None:
        raise CustomerNotFound(f"no customer {external_id!r}")
    channel, source = update.channel, update.source
    words = CHANNEL_WORDS[channel]
    if source in SYSTEM_SOURCES:
        raise ConsentRefused(
            f"source {source!r} is recorded only by the system; give where this consent "
            "comes from, e.g. paper_form, web_signup or support_call"
        )
    proof = ledger.Proof(
        wording=update.wording,
        evidence={"reference": update.evidence} if update.evidence else {},
    )
    if update.ai:
        return _set_ai_consent(session, customer, update, actor, proof, now=now)
    granted, current_source, _at = _state(customer, channel)
    if not update.granted:
        if not granted and current_source == source:
            return ConsentChange(False, f"{words} consent is already revoked ({source})")
        result = delivery_consent.opt_out(
            session,
            customer.id,
            channel,
            source=source,
            now=now,
            detail="set by staff",
            actor=actor.id,
            proof=proof,
        )
        log.info(
            "consent.revoked customer=%s channel=%s cancelled_messages=%d cancelled_drafts=%d",
            customer.id,
            channel,
            len(result.cancelled_messages),
            len(result.cancelled_drafts),
        )
        cancelled = len(result.cancelled_messages)
        return ConsentChange(
            True,
            f"{words} consent revoked by {actor.label}; {cancelled} queued message(s) cancelled",
            result.cancelled_messages,
            list(dict.fromkeys(result.cancelled_drafts)),
        )
    withdrawn = withdrawal(session, customer, channel)
    if withdrawn is not None and not update.force:
        raise ConsentRefused(
            f"{external_id} withdrew {words} consent themself ({withdrawn}); a grant by staff "
            "would override that, so it needs force (--force) and a source saying how they "
            "consented again (e.g. paper_form)"
        )
    address = address_of(customer, channel)
    if granted and current_source == source and withdrawn is None:
        return ConsentChange(False, f"{words} consent is already granted ({source})")
    delivery_consent.opt_in(
        session,
        customer.id,
        channel,
        source=source,
        now=now,
        detail=f"consented again after {withdrawn}" if withdrawn else "set by staff",
        actor=actor.id,
        proof=proof,
    )
    lifted = 0
    if withdrawn is not None and address is not None:
        lifted = repo.lift_suppressions(session, channel, address, CUSTOMER_REVOCATION_SOURCES)
    session.flush()
    log.info(
        "consent.granted customer=%s channel=%s forced=%s", customer.id, channel, bool(withdrawn)
    )
    return ConsentChange(
        True, f"{words} consent granted by {actor.label}", lifted_suppressions=lifted
    )


def _set_ai_consent(
    session: Session,
    customer: Customer,
    update: ConsentUpdate,
    actor: Actor,
    proof: ledger.Proof,
    *,
    now: datetime,
) -> ConsentChange:
    """Record consent to AI-drafted messages on the customer's current address."""
    channel, words = update.channel, CHANNEL_WORDS[update.channel]
    address = address_of(customer, channel)
    if address is None:
        raise ConsentRefused(f"{customer.external_id} has no {words} address to record it for")
    if ledger.ai_consent(session, channel, address) == update.granted:
        state = "granted" if update.granted else "not granted"
        return ConsentChange(False, f"AI-message consent on {words} is already {state}")
    session.add(
        ledger.entry(
            customer.id,
            channel,
            update.granted,
            source=update.source,
            destination=address,
            now=now,
            actor=actor.id,
            detail="set by staff",
            proof=proof,
            purpose=ledger.AI_DRAFTED,
        )
    )
    session.flush()
    verb = "granted" if update.granted else "revoked"
    log.info("consent.ai_%s customer=%s channel=%s", verb, customer.id, channel)
    return ConsentChange(True, f"AI-message consent on {words} {verb} by {actor.label}")
