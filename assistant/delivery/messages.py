"""What was sent, when, and why not: outbound messages with their state and reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import Customer, Draft, Message

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


class UnknownCustomer(LookupError):
    """No customer with that external id."""


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


def customer_pk(session: Session, external_id: str) -> int:
    """The customer's row id for their external id, or UnknownCustomer."""
    found = session.execute(
        select(Customer.id).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownCustomer(f"no customer {external_id!r} (use the customer_id of your import)")
    return int(found)


def list_messages(
    session: Session,
    *,
    customer_id: int | None = None,
    state: str | None = None,
    campaign_id: int | None = None,
    limit: int = 50,
) -> list[MessageRow]:
    """Outbound messages, newest first, with the reason each waits, stopped or failed."""
    query = (
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
        )
        .join(Customer, Customer.id == Message.customer_id)
        .outerjoin(Draft, Draft.id == Message.draft_id)
        .where(Message.direction == "outbound")
        .order_by(Message.id.desc())
        .limit(limit)
    )
    if customer_id is not None:
        query = query.where(Message.customer_id == customer_id)
    if state is not None:
        query = query.where(Message.status == state)
    if campaign_id is not None:
        query = query.where(Draft.campaign_id == campaign_id)
    return [MessageRow(*row) for row in session.execute(query).all()]
