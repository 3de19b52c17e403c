"""The consent ledger: every consent change per destination (phone, email), with its evidence.

A row of `consent_events` records the channel, the destination (E.164 phone or lower-cased
email), whether consent was given or withdrawn, the source, the wording or keyword, the
actor, the time and the raw evidence (inbound SID, unsubscribe token id, import file and
row, Shopify webhook id). Sends are checked against the ledger of the exact address they go
to (`destination_problem`): consent given to a customer's old number is not consent for the
new one. Nothing here commits; nothing here logs an address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.fingerprints import address_keys, normalised
from assistant.models import ConsentEvent
from assistant.models.customer import CUSTOMER_REVOCATION_SOURCES

MESSAGES = "messages"  # consent to be messaged on the channel
AI_DRAFTED = "ai_drafted"  # consent to messages an AI drafted (ASSISTANT_REQUIRE_AI_CONSENT)
PURPOSES = (MESSAGES, AI_DRAFTED)
# The send-time verdicts of the ledger (assistant.delivery.rules).
NOT_FOR_ADDRESS = "no_consent_for_address"
NO_AI_CONSENT = "no_ai_consent"
LEDGER_CHANNELS = ("sms", "email")


@dataclass(frozen=True)
class Proof:
    """What a consent change rests on: the words and the raw evidence (never a message body)."""

    wording: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)


def destination_of(channel: str, address: str | None) -> str | None:
    """The address as the ledger keeps it: a phone trimmed (already E.164), an email lower-cased."""
    if address is None or not address.strip():
        return None
    return normalised(address) if channel == "email" else address.strip()


def entry(
    customer_id: int,
    channel: str,
    consented: bool,
    *,
    source: str,
    destination: str | None,
    now: datetime,
    actor: str | None,
    detail: str | None = None,
    proof: Proof | None = None,
    purpose: str = MESSAGES,
) -> ConsentEvent:
    """One ledger row (not added to a session)."""
    proof = proof or Proof()
    return ConsentEvent(
        customer_id=customer_id,
        channel=channel,
        consented=consented,
        source=source,
        detail=detail,
        actor=actor,
        occurred_at=now,
        destination=destination_of(channel, destination),
        purpose=purpose,
        wording=proof.wording,
        evidence=dict(proof.evidence),
    )


def for_destination(
    session: Session, channel: str, address: str, purpose: str | None = None
) -> list[ConsentEvent]:
    """Every change recorded for `address` on `channel` (whatever customer it was on), oldest
    first; a forgotten customer's rows match by the address's fingerprint."""
    statement = select(ConsentEvent).where(
        ConsentEvent.channel == channel,
        ConsentEvent.destination.in_(address_keys([address])),
    )
    if purpose is not None:
        statement = statement.where(ConsentEvent.purpose == purpose)
    return list(
        session.execute(statement.order_by(ConsentEvent.occurred_at, ConsentEvent.id)).scalars()
    )


def latest(
    session: Session, channel: str, address: str, purpose: str = MESSAGES
) -> ConsentEvent | None:
    """The newest change recorded for `address` on `channel` and `purpose`, if any."""
    return session.execute(
        select(ConsentEvent)
        .where(
            ConsentEvent.channel == channel,
            ConsentEvent.destination.in_(address_keys([address])),
            ConsentEvent.purpose == purpose,
        )
        .order_by(ConsentEvent.occurred_at.desc(), ConsentEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def tracked(session: Session, customer_id: int, channel: str) -> bool:
    """Whether the ledger holds any change of the customer's consent on `channel`."""
    found = session.execute(
        select(ConsentEvent.id)
        .where(
            ConsentEvent.customer_id == customer_id,
            ConsentEvent.channel == channel,
            ConsentEvent.purpose == MESSAGES,
        )
        .limit(1)
    ).first()
    return found is not None


def destination_problem(
    session: Session, customer_id: int, channel: str, address: str | None
) -> str | None:
    """Why the ledger does not back a message to `address` (None: it does).

    The newest change for the exact address decides: a grant backs it, a withdrawal by the
    customer or carrier is `opted_out`, any other withdrawal `no_consent_for_address`. With no
    change recorded for the address, a customer whose consent on the channel the ledger does
    track (it was given to another address: the number changed) gets `no_consent_for_address`;
    one with no ledger row at all on the channel (consent older than the ledger, a record
    written outside the import/API/CLI) is judged by the customer's consent flag alone.
    """
    if channel not in LEDGER_CHANNELS or address is None or not address.strip():
        return None
    last = latest(session, channel, address)
    if last is not None:
        if last.consented:
            return None
        revoked = (*CUSTOMER_REVOCATION_SOURCES, "provider")
        return "opted_out" if last.source in revoked else NOT_FOR_ADDRESS
    return NOT_FOR_ADDRESS if tracked(session, customer_id, channel) else None


def ai_consent(session: Session, channel: str, address: str | None) -> bool:
    """Whether `address` consented to AI-drafted messages (its newest AI change is a grant)."""
    if address is None or not address.strip():
        return False
    last = latest(session, channel, address, AI_DRAFTED)
    return last is not None and last.consented
