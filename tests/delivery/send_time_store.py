"""Customers whose replies, clicks and orders cluster at known local hours."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from assistant.models import Customer, Event, Message, Order
from tests.metrics_rows import add_metrics

_serial = itertools.count(1)
# Engagement happens in February 2026, before NOON_ISH (2026-03-10) and every draft.
FIRST_DAY = date(2026, 2, 1)


def at_local(day: date, hour: int, zone: str, minute: int = 17) -> datetime:
    """`hour:minute` on `day` in `zone`, as UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def engage(
    session: Session,
    customer: Customer,
    hour: int,
    *,
    count: int,
    source: str = "order",
    zone: str | None = None,
    first_day: date = FIRST_DAY,
) -> None:
    """`count` replies / clicks / orders at `hour` local, one a day from `first_day`."""
    where = zone or customer.timezone or "America/New_York"
    for offset in range(count):
        moment = at_local(first_day + timedelta(days=offset), hour, where)
        if source == "order":
            number = next(_serial)
            session.add(
                Order(
                    external_id=f"st-{number}-{id(session)}",
                    customer_id=customer.id,
                    ordered_at=moment,
                    total=Decimal("20.00"),
                )
            )
        elif source == "reply":
            session.add(
                Message(
                    customer_id=customer.id,
                    direction="inbound",
                    channel="sms",
                    kind="conversation",
                    status="received",
                    body="sounds good",
                    created_at=moment,
                    updated_at=moment,
                )
            )
        else:
            session.add(Event(customer_id=customer.id, kind=source, occurred_at=moment))
    session.flush()


def label(session: Session, customer: Customer, rfm_label: str) -> None:
    """Give the customer a metrics row in the RFM segment `rfm_label`."""
    add_metrics(
        session,
        customer.id,
        as_of=date(2026, 3, 1),
        orders_count=1,
        lifetime_spend=Decimal("20.00"),
        rfm_label=rfm_label,
        btyd_T=30.0,
    )
