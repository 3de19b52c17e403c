"""One inbound email reply, in one short unit of work: stored once, joined to its conversation.

The same path as an inbound SMS (assistant.conversations.inbound): the message is kept on
the customer's email conversation (threaded in Slack under the card of the outreach it
answers), and the slow work (posting it in the thread, drafting a suggested answer, updating
cancelled drafts' cards) comes back as `jobs` to queue after the commit.

Whose reply: the outgoing email its In-Reply-To/References name (our Message-ID's left half
is the message's provider_message_id), else the customer whose email address sent it.
Exactly once: keyed by a hash of its Message-ID (`InboundEmail.key`), unique like an SMS sid.
An "unsubscribe" reply (the keywords module's opt-out) opts the customer out of email.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.conversations import repository as repo
from assistant.conversations.consent import suppress
from assistant.conversations.email_parsing import InboundEmail
from assistant.conversations.inbound import FOLLOW_UP, UPDATE_DRAFTS, InboundResult
from assistant.conversations.keywords import classify
from assistant.delivery import consent
from assistant.models import Conversation, Customer, Message
from assistant.models.inbound import UnmatchedInbound
from assistant.values import clean_text

log = logging.getLogger(__name__)

CHANNEL = "email"
OPT_OUT_SOURCE = "email_unsubscribe"  # a revocation, like the one-click link
MAX_SUBJECT = 300
MAX_MESSAGE_ID = 300


def _answered(session: Session, references: list[str]) -> repo.Outreach | None:
    """Our outgoing email that one of `references` names (the newest such)."""
    locals_ = [ref.strip("<>").rpartition("@")[0] for ref in references]
    locals_ = [local for local in locals_ if local and len(local) <= 64]
    if not locals_:
        return None
    row = session.execute(
        select(*repo.OUTREACH_COLUMNS)
        .where(
            Message.provider_message_id.in_(locals_),
            Message.channel == CHANNEL,
            Message.direction == "outbound",
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).first()
    return repo.Outreach(*row) if row is not None else None


def _last_email_to(session: Session, customer_id: int) -> repo.Outreach | None:
    row = session.execute(
        select(*repo.OUTREACH_COLUMNS)
        .where(
            Message.customer_id == customer_id,
            Message.channel == CHANNEL,
            Message.direction == "outbound",
            Message.status.in_(repo.SENT_STATUSES),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    return repo.Outreach(*row) if row is not None else None


def _customer_by_address(session: Session, address: str) -> int | None:
    """The customer with this email address (the oldest record when several share it)."""
    if not address:
        return None
    return session.execute(
        select(Customer.id)
        .where(func.lower(Customer.email) == address.lower())
        .order_by(Customer.id)
        .limit(1)
    ).scalar_one_or_none()


def _conversation(
    session: Session, customer_id: int, outreach: repo.Outreach | None, now: datetime
) -> int:
    """The customer's open email conversation, else a new one threaded under the card of the
    outreach it answers."""
    if outreach is not None and outreach.conversation_id is not None:
        existing = session.get(Conversation, outreach.conversation_id)
        if existing is not None and existing.status == "open" and existing.channel == CHANNEL:
            return existing.id
    found = repo.open_conversation(session, customer_id, CHANNEL)
    if found is not None:
        return found
    return repo.new_conversation(session, customer_id, CHANNEL, outreach, now)


def receive_email(session: Session, mail: InboundEmail, *, now: datetime) -> InboundResult:
    """Store and act on one inbound email (call it first in its unit of work)."""
    key = mail.key()
    repo.write_lock(session)
    if repo.stored_inbound(session, key) is not None:
        return InboundResult("duplicate")
    outreach = _answered(session, mail.references)
    customer_id = outreach.customer_id if outreach is not None else None
    if customer_id is None:
        customer_id = _customer_by_address(session, mail.from_address)
        if customer_id is not None:
            outreach = _last_email_to(session, customer_id)
    body = clean_text(mail.text)
    match = classify(body) if body else None
    opt_out = match is not None and match.intent == "opt_out"
    if customer_id is None:
        row = UnmatchedInbound(
            provider_message_id=key,
            channel=CHANNEL,
            from_address=clean_text(mail.from_address)[:320] or "unknown",
            to_address=clean_text(mail.to_address)[:320] if mail.to_address else None,
            body=body,
            intent="opt_out" if opt_out else "message",
            created_at=now,
            updated_at=now,
        )
        try:
            with session.begin_nested():  # a concurrent delivery of the same mail lost the race
                session.add(row)
        except IntegrityError:
            return InboundResult("duplicate")
        sender = row.from_address.strip().lower()
        if opt_out and "@" in sender:
            # No customer has it yet: a record imported later with email consent must still
            # never be emailed (as an SMS STOP from an unknown number).
            suppress(session, sender, OPT_OUT_SOURCE, channel=CHANNEL)
        log.warning("conversations.email_unknown_sender key=%s opt_out=%s", key, opt_out)
        return InboundResult("unknown_sender")
    conversation_id = _conversation(session, customer_id, outreach, now)
    message_id = repo.insert_message(
        session,
        {
            "provider_message_id": key,
            "customer_id": customer_id,
            "conversation_id": conversation_id,
            "direction": "inbound",
            "channel": CHANNEL,
            "kind": "system" if opt_out else "conversation",
            "status": "received",
            "from_address": clean_text(mail.from_address)[:320],
            "to_address": clean_text(mail.to_address)[:320] if mail.to_address else None,
            "subject": clean_text(mail.subject)[:MAX_SUBJECT] or None,
            "email_message_id": mail.message_id
            if mail.message_id and len(mail.message_id) <= MAX_MESSAGE_ID
            else None,
            "body": body,
            "created_at": now,
            "updated_at": now,
        },
    )
    if message_id is None:
        return InboundResult("duplicate")
    result = InboundResult(
        "opt_out" if opt_out else "message",
        message_id=message_id,
        conversation_id=conversation_id,
    )
    if opt_out:
        customer = session.get_one(Customer, customer_id)
        if customer.email_consent is not False:
            change = consent.opt_out(
                session,
                customer_id,
                CHANNEL,
                source=OPT_OUT_SOURCE,
                now=now,
                detail="reply asked to unsubscribe",
                actor=f"customer:{customer_id}",
            )
            result.cancelled_drafts = change.cancelled_drafts
            if change.cancelled_drafts:
                result.jobs.append((UPDATE_DRAFTS, {"draft_ids": change.cancelled_drafts}))
        repo.update_conversation(session, conversation_id, status="closed", updated_at=now)
    else:
        repo.update_conversation(session, conversation_id, last_inbound_at=now, updated_at=now)
    result.jobs.insert(0, (FOLLOW_UP, {"message_id": message_id, "suggest": not opt_out}))
    log.info("conversations.email_inbound key=%s outcome=%s", key, result.outcome)
    session.flush()
    return result
