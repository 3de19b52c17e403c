"""One inbound SMS, in one short unit of work: stored once, consent applied, conversation joined.

Everything slow (posting to the review channel, drafting a suggested reply, updating cards of
cancelled drafts) comes back as `jobs` for the caller to queue after the commit, so Twilio
gets its answer within its time limit (15 s, one retry) whatever Slack or the model do.

Exactly once: Twilio retries a webhook it got no answer to, with the same MessageSid and no
signed timestamp; the message row's unique `provider_message_id` makes the retry find the
first row (a race between two deliveries ends in an IntegrityError on one of them, which is
then a duplicate too). A duplicate changes nothing and gets the answer the first one got.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.conversations import consent
from assistant.conversations import repository as repo
from assistant.conversations.keywords import Match
from assistant.conversations.opt_outs import Reading, read
from assistant.drafting.brand import Brand
from assistant.ingest.fields import FieldError
from assistant.ingest.fields import phone as parse_phone
from assistant.models import Message
from assistant.models.inbound import UnmatchedInbound
from assistant.values import bounded_text, clean_text

log = logging.getLogger(__name__)

Outcome = Literal["opt_out", "opt_in", "help", "message", "duplicate", "unknown_sender"]
# Task names (assistant.conversations.tasks registers them).
POST_MESSAGE = "conversations.post_message"
SUGGEST_REPLY = "conversations.suggest_reply"
# Both of the above for one message, as one queued task: a broker send costs the webhook more
# CPU than storing the message does, so an inbound SMS queues one task, not two.
FOLLOW_UP = "conversations.follow_up"
UPDATE_DRAFTS = "conversations.update_drafts"
SEND_REPLY = "conversations.send_reply"
# Twilio delivers at most 1,600 characters per message; more is not from a phone.
MAX_BODY_CHARS = 1600


@dataclass(frozen=True)
class InboundSms:
    """What Twilio posted: MessageSid, From (the customer), To (our sender), Body."""

    sid: str
    from_number: str
    to_number: str | None
    body: str


@dataclass
class InboundResult:
    """What one inbound SMS came to, the answer for Twilio, and the work to queue."""

    outcome: Outcome
    message_id: int | None = None
    conversation_id: int | None = None
    reply: str | None = None
    cancelled_drafts: list[int] = field(default_factory=list)
    # Close to an opt-out but not one ("can you stop the order?"): flagged for staff.
    possible_opt_out: bool = False
    jobs: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def normalise_phone(raw: str) -> str:
    """The sender as E.164 (how customers' phones are stored), else as given, trimmed.

    Short codes, test ranges and numbers `phonenumbers` does not know yet are real senders
    too: kept exactly as Twilio gave them, so consent and suppression apply to that address.
    """
    value = raw.strip()
    region = get_settings().app.default_phone_region
    try:
        return parse_phone(value, region) or value
    except FieldError:
        return value


def cleaned(sms: InboundSms) -> InboundSms:
    """`sms` as it may be stored: no control characters (a NUL would be lost on PostgreSQL),
    the body at most MAX_BODY_CHARS (Twilio's own limit; longer is marked truncated)."""
    body, cut = bounded_text(sms.body, MAX_BODY_CHARS)
    if cut:
        log.warning("conversations.inbound_truncated sid=%s chars=%d", sms.sid, len(sms.body))
    return replace(
        sms,
        sid=clean_text(sms.sid),
        from_number=clean_text(sms.from_number),
        to_number=clean_text(sms.to_number) if sms.to_number is not None else None,
        body=body,
    )


def _duplicate(session: Session, sid: str) -> InboundResult | None:
    stored = repo.stored_inbound(session, sid)
    if stored is None:
        return None
    if stored.message_id is None:
        return InboundResult("duplicate", reply=stored.unmatched_reply)
    return InboundResult(
        "duplicate",
        message_id=stored.message_id,
        conversation_id=stored.conversation_id,
        reply=repo.stored_reply(session, sid),
    )


def _apply_number_consent(
    session: Session,
    sms: InboundSms,
    phone: str,
    customers: list[repo.Sender],
    match: Match,
    now: datetime,
) -> consent.ConsentChange:
    ids = [c.id for c in customers]
    proof = consent.proof_of(match, sms.sid)
    if match.intent == "opt_out":
        return consent.opt_out_number(session, phone, ids, match, now=now, proof=proof)
    if match.intent == "opt_in":
        return consent.opt_in_number(session, phone, ids, match, now=now, proof=proof)
    return consent.ConsentChange()


def _reply_for(
    match: Match | None, brand: Brand | None, mode: consent.ReplyMode, *, confirmed: bool = False
) -> str | None:
    """Our answer, if any; none to an opt-out from a number already opted out (`confirmed`):
    one confirmation per opt-out, however many times STOP comes in."""
    if match is None or brand is None or not consent.should_reply(match, mode):
        return None
    if confirmed and match.intent == "opt_out":
        return None
    return consent.reply_text(match, brand)


def _unknown_sender(
    session: Session,
    sms: InboundSms,
    phone: str,
    match: Match | None,
    *,
    now: datetime,
    brand: Brand | None,
    mode: consent.ReplyMode,
) -> InboundResult:
    """No customer has this number: keep the message (flagged); consent applies by number."""
    confirmed = consent.already_opted_out(session, phone, [])
    if match is not None:
        _apply_number_consent(session, sms, phone, [], match, now)
    reply = _reply_for(match, brand, mode, confirmed=confirmed)
    row = UnmatchedInbound(
        provider_message_id=sms.sid,
        from_address=phone,
        to_address=sms.to_number,
        body=sms.body,
        intent=match.intent if match is not None else "message",
        reply_body=reply,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return _duplicate(session, sms.sid) or InboundResult("duplicate")
    log.warning("conversations.unknown_sender sid=%s intent=%s", sms.sid, row.intent)
    return InboundResult("unknown_sender", reply=reply)


def _pick_customer(
    customers: list[repo.Sender], outreach: repo.Outreach | None
) -> tuple[repo.Sender, repo.Outreach | None]:
    """The customer a reply is from: the one we last texted, else one who may be texted."""
    if outreach is not None:
        for customer in customers:
            if customer.id == outreach.customer_id:
                return customer, outreach
    chosen = next((c for c in customers if c.sms_consent), customers[0])
    if len(customers) > 1:
        log.warning("conversations.shared_phone customers=%d", len(customers))
    return chosen, None


def _open_conversation(
    session: Session, customer_id: int, outreach: repo.Outreach | None, now: datetime
) -> int:
    """A new SMS conversation, threaded where the card of the outreach it answers is."""
    return repo.new_conversation(session, customer_id, repo.CHANNEL, outreach, now)


def receive(
    session: Session,
    sms: InboundSms,
    *,
    now: datetime,
    brand: Brand | None,
    mode: consent.ReplyMode = "provider",
    reading: Reading | None = None,
) -> InboundResult:
    """Store and act on one inbound SMS (call it first in its unit of work).

    `brand` None (brand.yaml unreadable): everything is applied, only our keyword answers
    are left out (consent never waits for a text). `reading`: the body as already read
    (with the model's help, outside the transaction); by default the rules read it here.
    """
    sms = cleaned(sms)
    repo.write_lock(session)
    duplicate = _duplicate(session, sms.sid)
    if duplicate is not None:
        return duplicate
    phone = normalise_phone(sms.from_number)
    reading = reading if reading is not None else read(sms.body)
    match = reading.match
    customers = repo.customers_by_phone(session, phone)
    if (
        match is not None
        and match.ambiguous
        and not consent.answers_opt_in(session, phone, customers)
    ):
        match = None  # "Yes" from someone who is opted in answers a question
    if not customers:
        return _unknown_sender(session, sms, phone, match, now=now, brand=brand, mode=mode)
    confirmed = consent.already_opted_out(session, phone, customers)
    outreach = repo.last_outbound(session, phone, [c.id for c in customers])
    customer, outreach = _pick_customer(customers, outreach)
    conversation_id = repo.open_conversation(session, customer.id)
    if conversation_id is None and match is None:
        conversation_id = _open_conversation(session, customer.id, outreach, now)
    # Core statements, not ORM objects: this runs for every inbound SMS, and the ORM's unit
    # of work and savepoint cost more CPU than the rest of the webhook together.
    message_id = repo.insert_message(
        session,
        {
            "provider_message_id": sms.sid,
            "customer_id": customer.id,
            "conversation_id": conversation_id,
            "direction": "inbound",
            "channel": repo.CHANNEL,
            "kind": "conversation" if match is None else "system",
            "status": "received",
            "from_address": phone,
            "to_address": sms.to_number,
            "body": sms.body,
            "created_at": now,
            "updated_at": now,
        },
    )
    if message_id is None:  # another delivery of the same sid won the race
        return _duplicate(session, sms.sid) or InboundResult("duplicate")
    result = InboundResult(
        match.intent if match is not None else "message",
        message_id=message_id,
        conversation_id=conversation_id,
        possible_opt_out=match is None and reading.possible_opt_out,
    )
    if result.possible_opt_out:
        log.info("conversations.possible_opt_out sid=%s message=%s", sms.sid, message_id)
    if match is not None:
        change = _apply_number_consent(session, sms, phone, customers, match, now)
        result.cancelled_drafts = change.cancelled_drafts
        if change.cancelled_drafts:
            result.jobs.append((UPDATE_DRAFTS, {"draft_ids": change.cancelled_drafts}))
        if match.intent == "opt_out" and conversation_id is not None:
            # Nothing more can be said by SMS.
            repo.update_conversation(session, conversation_id, status="closed", updated_at=now)
        log.info(
            "conversations.keyword sid=%s intent=%s free_text=%s customers=%d cancelled=%d",
            sms.sid,
            match.intent,
            match.free_text,
            len(customers),
            len(change.cancelled_drafts),
        )
    else:
        assert conversation_id is not None
        repo.update_conversation(session, conversation_id, last_inbound_at=now, updated_at=now)
    if conversation_id is not None:
        # Staff see every message of the thread, keywords too (they explain a closed thread);
        # a message that is not a keyword gets a suggested answer.
        follow_up = {"message_id": message_id, "suggest": match is None}
        result.jobs.insert(0, (FOLLOW_UP, follow_up))
    result.reply = _reply_for(match, brand, mode, confirmed=confirmed)
    if result.reply is not None:
        _record_reply(session, sms, customer.id, conversation_id, phone, result.reply, now)
    session.flush()
    return result


def _record_reply(
    session: Session,
    sms: InboundSms,
    customer_id: int,
    conversation_id: int | None,
    phone: str,
    text: str,
    now: datetime,
) -> None:
    """Keep our TwiML answer as an outbound `system` message (handed to Twilio in the
    webhook's answer; a retried webhook is answered with the same text)."""
    session.add(
        Message(
            idempotency_key=repo.twiml_key(sms.sid),
            customer_id=customer_id,
            conversation_id=conversation_id,
            direction="outbound",
            channel=repo.CHANNEL,
            kind="system",
            status="sent",
            to_address=phone,
            from_address=sms.to_number,
            body=text,
            sent_at=now,
            created_at=now,
            updated_at=now,
        )
    )
