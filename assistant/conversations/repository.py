"""Conversation queries; nothing here commits (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.models import Campaign, Conversation, Customer, Draft, DraftState, Message
from assistant.models.inbound import UnmatchedInbound

CHANNEL = "sms"
# Outbound messages that reached (or may have reached) the customer.
SENT_STATUSES = ("sending", "sent", "delivered", "undelivered")
OPEN_SUGGESTION_STATES = (DraftState.PENDING_REVIEW.value, DraftState.NEEDS_ATTENTION.value)
REPLY_PLAYBOOK = "reply"


def write_lock(session: Session) -> None:
    """On SQLite, take the write lock first: a transaction that reads and then writes fails
    ("database is locked") when another writer committed in between. PostgreSQL locks rows."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE conversations SET id = id WHERE id = 0"))


def twiml_key(sid: str) -> str:
    """The idempotency key of the answer we gave to inbound message `sid` (TwiML)."""
    return f"twiml:{sid}"


class Stored(NamedTuple):
    """An inbound message stored before under the same sid: as a message, or unmatched."""

    message_id: int | None
    conversation_id: int | None
    unmatched_reply: str | None


def stored_inbound(session: Session, sid: str) -> Stored | None:
    """Inbound message `sid` if it was stored before (one query: messages, then unmatched)."""
    known = select(
        Message.id.label("message_id"),
        Message.conversation_id.label("conversation_id"),
        literal(None, String).label("unmatched_reply"),
    ).where(Message.provider_message_id == sid)
    unknown = select(
        literal(None, Integer),
        literal(None, Integer),
        UnmatchedInbound.reply_body,
    ).where(UnmatchedInbound.provider_message_id == sid)
    row: Any = session.execute(union_all(known, unknown).limit(1)).first()
    return Stored(*row) if row is not None else None


def stored_reply(session: Session, sid: str) -> str | None:
    """The text we answered inbound message `sid` with, if any."""
    return session.execute(
        select(Message.body).where(Message.idempotency_key == twiml_key(sid))
    ).scalar_one_or_none()


class Sender(NamedTuple):
    """A customer with the number an SMS came from: what choosing and consent need."""

    id: int
    sms_consent: bool
    sms_consent_source: str | None


def customers_by_phone(session: Session, phone: str) -> list[Sender]:
    """Every customer with this (E.164) phone, oldest record first."""
    rows = session.execute(
        select(Customer.id, Customer.sms_consent, Customer.sms_consent_source)
        .where(Customer.phone == phone)
        .order_by(Customer.id)
    )
    return [Sender(*row) for row in rows]


class Outreach(NamedTuple):
    """The last message we sent to an address: the one a reply answers."""

    id: int
    customer_id: int
    draft_id: int | None
    conversation_id: int | None
    sent_at: datetime | None


# The columns of an `Outreach`, in its order.
OUTREACH_COLUMNS = (
    Message.id,
    Message.customer_id,
    Message.draft_id,
    Message.conversation_id,
    Message.sent_at,
)


def new_conversation(
    session: Session, customer_id: int, channel: str, outreach: Outreach | None, now: datetime
) -> int:
    """A new open conversation on `channel`, threaded where the card of the outreach it
    answers is; the outreach (if not in a thread yet) opens it."""
    conversation = Conversation(customer_id=customer_id, channel=channel, status="open")
    thread = card_thread(session, outreach.draft_id) if outreach is not None else None
    if thread is not None:
        conversation.slack_channel, conversation.slack_thread_ts = thread
    conversation.created_at = conversation.updated_at = now
    if outreach is not None:
        conversation.last_outbound_at = outreach.sent_at
    session.add(conversation)
    session.flush()
    if outreach is not None and outreach.conversation_id is None:
        link_outreach(session, outreach.id, conversation.id)
    return conversation.id


def last_outbound(session: Session, phone: str, customer_ids: Sequence[int]) -> Outreach | None:
    """The last SMS we sent to `phone` (one of `customer_ids`): the one a reply answers."""
    if not customer_ids:
        return None
    row = session.execute(
        select(*OUTREACH_COLUMNS)
        .where(
            Message.direction == "outbound",
            Message.channel == CHANNEL,
            Message.to_address == phone,
            Message.customer_id.in_(customer_ids),
            Message.status.in_(SENT_STATUSES),
            Message.sent_at.is_not(None),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    return Outreach(*row) if row is not None else None


def open_conversation(session: Session, customer_id: int, channel: str = CHANNEL) -> int | None:
    """The id of the customer's open conversation on `channel` (SMS), if any (the newest)."""
    return session.execute(
        select(Conversation.id)
        .where(
            Conversation.customer_id == customer_id,
            Conversation.channel == channel,
            Conversation.status == "open",
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def insert_message(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a message row; its id, or None when its sid or key was stored already."""
    statement = (
        upsert_insert(session, Message)
        .values(values)
        .on_conflict_do_nothing()
        .returning(Message.id)
    )
    return session.execute(statement).scalar_one_or_none()


def update_conversation(session: Session, conversation_id: int, **values: Any) -> None:
    """Set columns of one conversation (without loading it)."""
    session.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values))


def link_outreach(session: Session, message_id: int, conversation_id: int) -> None:
    """The outreach a reply answers opens the reply's conversation (if it had none)."""
    session.execute(
        update(Message)
        .where(Message.id == message_id, Message.conversation_id.is_(None))
        .values(conversation_id=conversation_id)
    )


def card_thread(session: Session, draft_id: int | None) -> tuple[str, str] | None:
    """Where the review card of draft `draft_id` lives: (channel, thread ts) in Slack.

    A card threaded under its campaign's parent message lives in that thread.
    """
    if draft_id is None:
        return None
    draft = session.get(Draft, draft_id)
    if draft is None or not (draft.slack_channel and draft.slack_ts):
        return None
    if draft.campaign_id is not None:
        campaign = session.get(Campaign, draft.campaign_id)
        if campaign is not None and campaign.slack_ts:
            return draft.slack_channel, campaign.slack_ts
    return draft.slack_channel, draft.slack_ts


def conversation_messages(session: Session, conversation_id: int, limit: int) -> list[Message]:
    """The conversation's last `limit` messages that were received or went out, oldest first."""
    rows = (
        session.execute(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                (Message.direction == "inbound") | Message.status.in_(SENT_STATUSES),
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return list(reversed(rows))


def first_message(session: Session, conversation_id: int) -> Message | None:
    """The conversation's first message (ours when it answers an outreach)."""
    return session.execute(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            (Message.direction == "inbound") | Message.status.in_(SENT_STATUSES),
        )
        .order_by(Message.created_at, Message.id)
        .limit(1)
    ).scalar_one_or_none()


def latest_inbound_id(session: Session, conversation_id: int) -> int | None:
    """The id of the customer's latest message in the conversation."""
    return session.execute(
        select(Message.id)
        .where(Message.conversation_id == conversation_id, Message.direction == "inbound")
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_suggestions(session: Session, conversation_id: int, *, other_than: int) -> list[int]:
    """Reply drafts of the conversation still waiting for a decision (not `other_than`)."""
    return list(
        session.execute(
            select(Draft.id)
            .where(
                Draft.conversation_id == conversation_id,
                Draft.playbook == REPLY_PLAYBOOK,
                Draft.state.in_(OPEN_SUGGESTION_STATES),
                Draft.id != other_than,
            )
            .order_by(Draft.id)
        ).scalars()
    )


def draft_by_key(session: Session, key: str) -> Draft | None:
    """The draft with idempotency key `key`."""
    return session.execute(select(Draft).where(Draft.idempotency_key == key)).scalar_one_or_none()
