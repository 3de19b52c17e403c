"""Last-touch order attribution, computed on read (docs/reports.md, "Outcomes").

An order that was not cancelled or refunded belongs to at most one message: the customer's
last outbound marketing message sent (or delivered) at or before the order. It counts only
when the order falls within the attribution window after that message. One correlated
subquery finds the last touch per order (SQLite and PostgreSQL alike); the window is then
checked in Python, since date arithmetic differs between the two databases. If the last
touch is outside the window, no earlier message can be inside it, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from assistant.models import Message, Order

EXCLUDED_ORDER_STATUSES = ("cancelled", "refunded")
TOUCH_STATUSES = ("sent", "delivered")


@dataclass(frozen=True)
class Attribution:
    """One order attributed to one message."""

    order_id: int
    message_id: int
    total: Decimal
    ordered_at: datetime
    sent_at: datetime
    # The customer wrote back between the message and the order: the reply conversation.
    replied: bool


def touched_at() -> ColumnElement[Any]:
    """When an outbound message reached the customer: sent, else delivered."""
    return func.coalesce(Message.sent_at, Message.delivered_at)


def is_touch() -> ColumnElement[bool]:
    """An outbound marketing message that went out."""
    return and_(
        Message.direction == "outbound",
        Message.kind == "marketing",
        Message.status.in_(TOUCH_STATUSES),
        touched_at().is_not(None),
    )


def naive(moment: datetime) -> datetime:
    """A UTC moment without tzinfo (SQLite returns naive, PostgreSQL aware)."""
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def attribute(
    session: Session,
    *,
    days: int,
    first: datetime | None = None,
    last: datetime | None = None,
) -> list[Attribution]:
    """Orders attributed to messages that went out in [first, last), by last touch."""
    last_touch = (
        select(Message.id)
        .where(
            is_touch(),
            Message.customer_id == Order.customer_id,
            touched_at() <= Order.ordered_at,
        )
        .order_by(touched_at().desc(), Message.id.desc())
        .limit(1)
        .correlate(Order)
        .scalar_subquery()
    )
    counted: list[ColumnElement[bool]] = [Order.status.not_in(EXCLUDED_ORDER_STATUSES)]
    if first is not None:
        counted.append(Order.ordered_at >= first)
    pairs = (
        select(Order.id.label("order_id"), last_touch.label("message_id"))
        .where(*counted)
        .subquery()
    )
    inbound = aliased(Message)
    replied = exists().where(
        inbound.customer_id == Message.customer_id,
        inbound.direction == "inbound",
        inbound.created_at > touched_at(),
        inbound.created_at <= Order.ordered_at,
    )
    query = (
        select(Order.id, Message.id, Order.total, Order.ordered_at, touched_at(), replied)
        .select_from(pairs)
        .join(Order, Order.id == pairs.c.order_id)
        .join(Message, Message.id == pairs.c.message_id)
    )
    if first is not None:
        query = query.where(touched_at() >= first)
    if last is not None:
        query = query.where(touched_at() < last)
    window = timedelta(days=days)
    found = []
    for order_id, message_id, total, ordered_at, sent_at, reply in session.execute(query):
        if naive(ordered_at) - naive(sent_at) <= window:
            found.append(
                Attribution(order_id, message_id, Decimal(total), ordered_at, sent_at, bool(reply))
            )
    return found
