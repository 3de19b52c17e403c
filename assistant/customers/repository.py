"""Everything stored about one customer, table by table; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from assistant.fingerprints import address_keys
from assistant.models import (
    AuditEntry,
    Base,
    CampaignMember,
    ConsentEvent,
    Conversation,
    Customer,
    Draft,
    Event,
    Message,
    Order,
    OrderItem,
    Return,
    Suppression,
    UnmatchedInbound,
)


def customer(session: Session, external_id: str, *, lock: bool = False) -> Customer | None:
    """The customer with the brand's id `external_id` (row-locked on PostgreSQL with `lock`)."""
    statement = select(Customer).where(Customer.external_id == external_id)
    if lock:
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def plain(value: Any) -> Any:
    """A column value as JSON: ISO timestamps, exact decimals as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row(entity: Base) -> dict[str, Any]:
    """Every column of an ORM row, by name, as JSON values."""
    return {attr.key: plain(getattr(entity, attr.key)) for attr in entity.__mapper__.column_attrs}


def rows_of(session: Session, model: type[Base], *where: Any, order: Any = None) -> list[Any]:
    """The rows of `model` matching `where`, by `order` (else the primary key)."""
    statement = select(model).where(*where)
    key = order if order is not None else model.__mapper__.primary_key[0]
    return list(session.execute(statement.order_by(key)).scalars())


def orders(session: Session, customer_id: int) -> list[Order]:
    return rows_of(session, Order, Order.customer_id == customer_id, order=Order.ordered_at)


def order_items(session: Session, customer_id: int) -> list[OrderItem]:
    return rows_of(session, OrderItem, OrderItem.customer_id == customer_id)


def returns(session: Session, customer_id: int) -> list[Return]:
    return rows_of(session, Return, Return.customer_id == customer_id)


def events(session: Session, customer_id: int) -> list[Event]:
    return rows_of(session, Event, Event.customer_id == customer_id)


def memberships(session: Session, customer_id: int) -> list[CampaignMember]:
    return rows_of(session, CampaignMember, CampaignMember.customer_id == customer_id)


def drafts(session: Session, customer_id: int) -> list[Draft]:
    return rows_of(session, Draft, Draft.customer_id == customer_id)


def messages(session: Session, customer_id: int) -> list[Message]:
    return rows_of(session, Message, Message.customer_id == customer_id)


def conversations(session: Session, customer_id: int) -> list[Conversation]:
    return rows_of(session, Conversation, Conversation.customer_id == customer_id)


def consent_events(session: Session, customer_id: int) -> list[ConsentEvent]:
    return rows_of(session, ConsentEvent, ConsentEvent.customer_id == customer_id)


def unmatched_inbound(session: Session, phone: str | None) -> list[UnmatchedInbound]:
    """Texts from the customer's number stored before any customer had it."""
    if not phone:
        return []
    return rows_of(session, UnmatchedInbound, UnmatchedInbound.from_address == phone.strip())


def suppressions(session: Session, addresses: dict[str, str | None]) -> list[Suppression]:
    """Suppression rows for the customer's address on each channel (or its fingerprint)."""
    wanted = [
        and_(Suppression.channel == channel, func.lower(Suppression.address).in_(keys))
        for channel, address in addresses.items()
        if (keys := address_keys([address]))
    ]
    return rows_of(session, Suppression, or_(*wanted)) if wanted else []


def audit_entries(
    session: Session, customer_id: int, draft_ids: Sequence[int], message_ids: Sequence[int]
) -> list[AuditEntry]:
    """Audit rows about the customer, their drafts or their messages, oldest first."""
    about = [and_(AuditEntry.entity_type == "customer", AuditEntry.entity_id == customer_id)]
    if draft_ids:
        about.append(and_(AuditEntry.entity_type == "draft", AuditEntry.entity_id.in_(draft_ids)))
    if message_ids:
        about.append(
            and_(AuditEntry.entity_type == "message", AuditEntry.entity_id.in_(message_ids))
        )
    return rows_of(session, AuditEntry, or_(*about), order=AuditEntry.id)
