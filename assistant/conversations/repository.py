"""Conversation queries; nothing here commits (the unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

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


def stored_inbound(session: Session, sid: str) -> Message | None:
    """The inbound message Twilio sent as `sid`, if it was stored before."""
    return session.execute(
        select(Message).where(Message.provider_message_id == sid)
    ).scalar_one_or_none()


def stored_unmatched(session: Session, sid: str) -> UnmatchedInbound | None:
    """The inbound message `sid` from an unknown number, if it was stored before."""
    return session.execute(
        select(UnmatchedInbound).where(UnmatchedInbound.provider_message_id == sid)
    ).scalar_one_or_none()


def stored_reply(session: Session, sid: str) -> str | None:
    """The text we answered inbound message `sid` with, if any."""
    return session.execute(
        select(Message.body).where(Message.idempotency_key == twiml_key(sid))
    ).scalar_one_or_none()


def customers_by_phone(session: Session, phone: str) -> list[Customer]:
    """Every customer with this (E.164) phone, oldest record first."""
    return list(
        session.execute(select(Customer).where(Customer.phone == phone).order_by(Customer.id))
        .scalars()
        .all()
    )


def last_outbound(session: Session, phone: str, customer_ids: Sequence[int]) -> Message | None:
    """The last SMS we sent to `phone` (one of `customer_ids`): the one a reply answers."""
    if not customer_ids:
        return None
    return session.execute(
        select(Message)
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
    ).scalar_one_or_none()


def open_conversation(session: Session, customer_id: int) -> Conversation | None:
    """The customer's open SMS conversation, if any (the newest)."""
    return session.execute(
        select(Conversation)
        .where(
            Conversation.customer_id == customer_id,
            Conversation.channel == CHANNEL,
            Conversation.status == "open",
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    ).scalar_one_or_none()


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
