"""SMS consent from the customer's own texts: STOP cuts everything off at once, START restores.

An opt-out applies to the phone number, not only to one customer record: every customer
with that number is opted out (through `assistant.delivery.consent.opt_out`: consent off, a
ConsentEvent, every queued SMS and unsent SMS draft cancelled with an audit row), and the
number goes on our suppression list, so a record imported later with the same number and
`sms_consent=true` is still never texted. An opt-in undoes both (only the suppressions an
opt-out of ours added). The caller commits, then has the review channel update the cards
of the cancelled drafts.

Who replies: Twilio answers STOP, START and HELP itself on a Messaging Service (and blocks
the sender after STOP, so a reply of ours would fail with 21610 anyway), so by default
(`ASSISTANT_SMS_KEYWORD_REPLIES=provider`) we stay silent on keywords. Twilio never sees a
free-text opt-out ("please stop texting me") nor a Spanish keyword (BAJA), so those get our
one confirmation text (US rules allow one within 5 minutes; it goes in the webhook's answer,
at once, in Spanish for a Spanish request, with nothing but the confirmation). A number
already opted out gets no second one. With `app`, we answer every keyword with the brand's
texts (prompts/brand.yaml), for a sender whose own keyword handling is turned off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assistant.consent.ledger import Proof
from assistant.conversations.keywords import Match
from assistant.db import upsert_insert
from assistant.delivery import consent as delivery_consent
from assistant.delivery.rules import REVOKED_SOURCES
from assistant.drafting.brand import Brand
from assistant.fingerprints import address_keys
from assistant.models import Customer, Suppression

CHANNEL = "sms"
KEYWORD_SOURCE = "sms_keyword"  # a carrier keyword (STOP, START, ...)
FREE_TEXT_SOURCE = "customer_request"  # "please stop texting me"
# Suppressions an SMS opt-out adds, and so the only ones an opt-in may lift.
OUR_REASONS = (KEYWORD_SOURCE, FREE_TEXT_SOURCE)
ReplyMode = Literal["provider", "app"]


@dataclass
class ConsentChange:
    """What one opt-out or opt-in changed."""

    customers: list[int] = field(default_factory=list)
    cancelled_messages: list[int] = field(default_factory=list)
    cancelled_drafts: list[int] = field(default_factory=list)


def source_of(match: Match) -> str:
    """The ConsentEvent source: `sms_keyword`, or `customer_request` for free text.

    Both are customer revocations (assistant.models.customer): an import never undoes them.
    """
    return FREE_TEXT_SOURCE if match.free_text else KEYWORD_SOURCE


def detail_of(match: Match) -> str:
    """The ConsentEvent detail: which keyword, or that it was free text (never the text)."""
    if match.keyword:
        return f"inbound SMS {match.keyword}"
    if match.by_model:
        return "inbound SMS free-text request (read by the model)"
    return "inbound SMS free-text request"


def proof_of(match: Match, sid: str) -> Proof:
    """The ledger's proof of a keyword: the keyword itself (free text is kept as the inbound
    message, named by its SID, never copied) and the inbound message's SID."""
    wording = match.keyword or "free-text request"
    return Proof(wording=wording, evidence={"inbound_message_sid": sid})


def suppress(session: Session, phone: str, reason: str, *, channel: str = CHANNEL) -> None:
    """Put `phone` (or another channel's address) on the suppression list (once; an
    existing entry is kept)."""
    session.execute(
        upsert_insert(session, Suppression)
        .values(channel=channel, address=phone, reason=reason)
        .on_conflict_do_nothing(index_elements=["channel", "address"])
    )


def unsuppress(session: Session, phone: str) -> int:
    """Lift the suppressions an SMS opt-out added for `phone`; how many."""
    result = session.execute(
        delete(Suppression).where(
            Suppression.channel == CHANNEL,
            Suppression.address.in_(address_keys([phone])),
            Suppression.reason.in_(OUR_REASONS),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def is_suppressed(session: Session, phone: str) -> bool:
    """Whether an SMS opt-out of ours suppresses `phone`."""
    found = session.execute(
        select(Suppression.id).where(
            Suppression.channel == CHANNEL,
            Suppression.address.in_(address_keys([phone])),
            Suppression.reason.in_(OUR_REASONS),
        )
    ).first()
    return found is not None


class HasSmsConsent(Protocol):
    """A customer as far as SMS consent goes (a `Customer`, or a `repository.Sender`)."""

    @property
    def sms_consent(self) -> bool: ...

    @property
    def sms_consent_source(self) -> str | None: ...


def opted_out(customer: HasSmsConsent) -> bool:
    """Whether the customer withdrew SMS consent (themself or through the provider)."""
    return not customer.sms_consent and customer.sms_consent_source in REVOKED_SOURCES


def opt_out_number(
    session: Session,
    phone: str,
    customer_ids: Sequence[int],
    match: Match,
    *,
    now: datetime,
    proof: Proof | None = None,
) -> ConsentChange:
    """Opt `phone` and every customer with it out of SMS, at once."""
    change = ConsentChange(customers=list(customer_ids))
    source = source_of(match)
    for customer_id in customer_ids:
        result = delivery_consent.opt_out(
            session,
            customer_id,
            CHANNEL,
            source=source,
            now=now,
            detail=detail_of(match),
            proof=proof,
        )
        change.cancelled_messages += result.cancelled_messages
        change.cancelled_drafts += result.cancelled_drafts
    suppress(session, phone, source)
    change.cancelled_drafts = list(dict.fromkeys(change.cancelled_drafts))
    session.flush()
    return change


def opt_in_number(
    session: Session,
    phone: str,
    customer_ids: Sequence[int],
    match: Match,
    *,
    now: datetime,
    proof: Proof | None = None,
) -> ConsentChange:
    """Opt `phone` and its customers back in; YES only counts for those who opted out."""
    change = ConsentChange()
    customers = (
        session.execute(select(Customer).where(Customer.id.in_(customer_ids))).scalars().all()
        if customer_ids
        else []
    )
    for customer in customers:
        if customer.sms_consent or (match.ambiguous and not opted_out(customer)):
            continue
        delivery_consent.opt_in(
            session,
            customer.id,
            CHANNEL,
            source=source_of(match),
            now=now,
            detail=detail_of(match),
            proof=proof,
        )
        change.customers.append(customer.id)
    unsuppress(session, phone)
    session.flush()
    return change


def answers_opt_in(session: Session, phone: str, customers: Sequence[HasSmsConsent]) -> bool:
    """Whether an ambiguous YES from `phone` is an opt-in: the number or a customer opted out."""
    return is_suppressed(session, phone) or any(opted_out(c) for c in customers)


def already_opted_out(session: Session, phone: str, customers: Sequence[HasSmsConsent]) -> bool:
    """Whether `phone` was opted out before this message: our suppression, or every customer
    with it opted out. A repeated STOP changes nothing and gets no second confirmation."""
    return is_suppressed(session, phone) or (
        bool(customers) and all(opted_out(c) for c in customers)
    )


def should_reply(match: Match, mode: ReplyMode) -> bool:
    """Whether we answer the keyword ourselves (see the module docs): Twilio never sees
    free text, nor Spanish keywords (BAJA, ALTO, ...), so we confirm those opt-outs."""
    return mode == "app" or (match.intent == "opt_out" and not match.provider_keyword)


def reply_text(match: Match, brand: Brand) -> str:
    """Our answer to a keyword: the brand's help text or a consent confirmation (GSM-7)."""
    if match.intent == "help":
        return brand.help_text
    if match.intent == "opt_in":
        return (
            f"{brand.name}: you're subscribed to our texts again. Reply HELP for help, "
            "STOP to opt out."
        )
    if match.language == "es":
        return (
            f"{brand.name}: le dimos de baja y no le enviaremos otros mensajes. "
            "Responda START para volver a suscribirse."
        )
    return (
        f"{brand.name}: you're unsubscribed and won't get any more texts from us. "
        "Reply START to resubscribe."
    )
