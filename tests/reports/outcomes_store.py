"""Rows for outcome tests, written directly at known times (the report only reads them).

Everything happens around T0 = Monday 2026-11-02 10:00 UTC (ISO week 45).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy.orm import Session

from assistant.models import Campaign, ConsentEvent, Customer, Draft, Message, Order

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
_serial = count(1)


def customer(session: Session) -> int:
    row = Customer(external_id=f"OC{next(_serial):05d}", first_name="Maya")
    session.add(row)
    session.flush()
    return row.id


def campaign(session: Session, playbook: str = "check_in", *, trigger: str | None = None) -> int:
    row = Campaign(
        name=f"c{next(_serial)}",
        playbook=playbook,
        segment="recent",
        channel="sms",
        trigger=trigger,
    )
    session.add(row)
    session.flush()
    return row.id


def draft(
    session: Session,
    customer_id: int,
    campaign_id: int | None,
    *,
    playbook: str = "check_in",
    channel: str = "sms",
    state: str = "sent",
    tokens: tuple[int, int] = (0, 0),
    variant: str | None = None,
) -> int:
    row = Draft(
        idempotency_key=f"od{next(_serial)}",
        campaign_id=campaign_id,
        customer_id=customer_id,
        playbook=playbook,
        channel=channel,
        state=state,
        body="Hi",
        prompt_version="v1",
        model="offline",
        tokens_in=tokens[0],
        tokens_out=tokens[1],
        variant=variant,
        decided_at=T0 - timedelta(hours=1) if state != "generated" else None,
        created_at=T0 - timedelta(hours=2),
    )
    session.add(row)
    session.flush()
    return row.id


def message(
    session: Session,
    customer_id: int,
    draft_id: int | None,
    at: datetime,
    *,
    channel: str = "sms",
    body: str = "Hi Maya",
    status: str = "delivered",
) -> int:
    row = Message(
        customer_id=customer_id,
        draft_id=draft_id,
        direction="outbound",
        channel=channel,
        kind="marketing",
        status=status,
        body=body,
        sent_at=at,
        delivered_at=at if status == "delivered" else None,
    )
    session.add(row)
    session.flush()
    return row.id


def sent(session: Session, customer_id: int, campaign_id: int | None, at: datetime) -> int:
    """A draft and its delivered SMS; the message id."""
    return message(session, customer_id, draft(session, customer_id, campaign_id), at)


def order(
    session: Session, customer_id: int, at: datetime, total: str, status: str = "completed"
) -> int:
    row = Order(
        external_id=f"O{next(_serial):05d}",
        customer_id=customer_id,
        ordered_at=at,
        total=Decimal(total),
        status=status,
    )
    session.add(row)
    session.flush()
    return row.id


def reply(session: Session, customer_id: int, at: datetime) -> None:
    session.add(
        Message(
            customer_id=customer_id,
            direction="inbound",
            channel="sms",
            kind="conversation",
            status="received",
            body="thanks",
            created_at=at,
        )
    )
    session.flush()


def opt_out(session: Session, customer_id: int, at: datetime, channel: str = "sms") -> None:
    session.add(
        ConsentEvent(
            customer_id=customer_id,
            channel=channel,
            consented=False,
            source="sms_keyword",
            occurred_at=at,
        )
    )
    session.flush()
