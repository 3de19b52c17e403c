"""What was sent, when, and why not: outbound messages with their state and reason.

Listing, one message with its history, and cancelling one not yet sent; the CLI and the
API read and act through these. Nothing here commits (the unit of work does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from assistant.delivery.state import cancel_message
from assistant.models import AuditEntry, Customer, Draft, Message

# Outbound message states (docs/delivery.md).
MESSAGE_STATES = (
    "scheduled",
    "sending",
    "sent",
    "delivered",
    "undelivered",
    "failed",
    "cancelled",
)


# Why a message was cancelled by a person (its error code), beside the rules' reasons.
STAFF_CANCELLED = "staff_cancelled"


class UnknownCustomer(LookupError):
    """No customer with that external id."""


class MessageNotFound(LookupError):
    """No message with that id."""


class NotCancellable(ValueError):
    """The message has gone to the provider (or is inbound): it cannot be cancelled."""


@dataclass(frozen=True)
class MessageRow:
    """One outbound message as listed."""

    id: int
    customer_id: str
    channel: str
    kind: str
    state: str
    scheduled_for: datetime | None
    sent_at: datetime | None
    reason: str | None
    detail: str | None
    draft_id: int | None
    campaign_id: int | None
    to_address: str | None = None
    # How its time was chosen (docs/send-time.md); None for replies or with learning off.
    send_time: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded transition of a message (or of its draft, naming the message)."""

    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str | None


@dataclass(frozen=True)
class MessageDetail:
    """One message: its state, the provider's id and word, attempts, times and history."""

    row: MessageRow
    direction: str
    conversation_id: int | None
    provider_message_id: str | None
    provider_status: str | None
    attempts: int
    first_attempt_at: datetime | None
    delivered_at: datetime | None
    from_address: str | None
    subject: str | None
    body: str
    created_at: datetime
    updated_at: datetime
    history: list[HistoryEntry]


def customer_pk(session: Session, external_id: str) -> int:
    """The customer's row id for their external id, or UnknownCustomer."""
    found = session.execute(
        select(Customer.id).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownCustomer(f"no customer {external_id!r} (use the customer_id of your import)")
    return int(found)


def _rows() -> Any:
    return (
        select(
            Message.id,
            Customer.external_id,
            Message.channel,
            Message.kind,
            Message.status,
            Message.scheduled_for,
            Message.sent_at,
            Message.error_code,
            Message.error_message,
            Message.draft_id,
            Draft.campaign_id,
            Message.to_address,
            Message.send_time,
        )
        .join(Customer, Customer.id == Message.customer_id)
        .outerjoin(Draft, Draft.id == Message.draft_id)
    )


def list_messages(
    session: Session,
    *,
    customer_id: int | None = None,
    state: str | None = None,
    campaign_id: int | None = None,
    channel: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[MessageRow]:
    """Outbound messages, newest first (ids below `before` when given), with the reason
    each waits, stopped or failed."""
    query = _rows().where(Message.direction == "outbound").order_by(Message.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(Message.customer_id == customer_id)
    if state is not None:
        query = query.where(Message.status == state)
    if campaign_id is not None:
        query = query.where(Draft.campaign_id == campaign_id)
    if channel is not None:
        query = query.where(Message.channel == channel)
    if before is not None:
        query = query.where(Message.id < before)
    return [MessageRow(*row) for row in session.execute(query).all()]


def _about(entry: AuditEntry, message_id: int) -> bool:
    """Whether a draft's audit row is about its message: a delivery step naming it, or
    `delivery.scheduled` (written as the message is made; a draft has one message)."""
    named = (entry.data or {}).get("message_id")
    return entry.action.startswith("delivery.") and named in (None, message_id)


def history(session: Session, message: Message) -> list[HistoryEntry]:
    """The message's audit rows and its draft's delivery rows about it, oldest first."""
    own = and_(AuditEntry.entity_type == "message", AuditEntry.entity_id == message.id)
    where = own
    if message.draft_id is not None:
        where = or_(
            own, and_(AuditEntry.entity_type == "draft", AuditEntry.entity_id == message.draft_id)
        )
    entries = session.execute(select(AuditEntry).where(where).order_by(AuditEntry.id)).scalars()
    found = []
    for entry in entries:
        if entry.entity_type == "draft" and not _about(entry, message.id):
            continue  # the draft's own story (written, reviewed), not this message's
        data = entry.data or {}
        reason = data.get("reason") or data.get("provider_status")
        found.append(
            HistoryEntry(
                entry.occurred_at,
                entry.actor,
                entry.action,
                entry.from_state,
                entry.to_state,
                str(reason) if reason is not None else None,
            )
        )
    return found


def message_detail(session: Session, message_id: int) -> MessageDetail:
    """Message `message_id` (outbound or inbound) with its history, or MessageNotFound."""
    found = session.execute(
        _rows().add_columns(Message).where(Message.id == message_id)
    ).one_or_none()
    if found is None:
        raise MessageNotFound(f"no message {message_id}")
    *columns, message = found
    return MessageDetail(
        row=MessageRow(*columns),
        direction=message.direction,
        conversation_id=message.conversation_id,
        provider_message_id=message.provider_message_id,
        provider_status=message.provider_status,
        attempts=message.attempts,
        first_attempt_at=message.first_attempt_at,
        delivered_at=message.delivered_at,
        from_address=message.from_address,
        subject=message.subject,
        body=message.body,
        created_at=message.created_at,
        updated_at=message.updated_at,
        history=history(session, message),
    )


def cancel(
    session: Session, message_id: int, *, actor: str, now: datetime, note: str | None = None
) -> bool:
    """Cancel a message that has not gone to the provider, and its draft; False when it was
    cancelled already. MessageNotFound, or NotCancellable saying why."""
    message = session.get(Message, message_id)
    if message is None:
        raise MessageNotFound(f"no message {message_id}")
    if message.direction != "outbound":
        raise NotCancellable(f"message {message_id} is one the customer sent; only ours cancel")
    if cancel_message(session, message, STAFF_CANCELLED, now=now, actor=actor, detail=note):
        return True
    session.refresh(message)  # the sender may have claimed it meanwhile
    if message.status == "cancelled":
        return False
    if message.status == "sending":
        raise NotCancellable(
            f"message {message_id} is being handed to the provider right now; "
            "look again in a minute (a failed attempt goes back to scheduled)"
        )
    raise NotCancellable(
        f"message {message_id} is {message.status}: it has gone to the provider and "
        "cannot be called back"
    )
