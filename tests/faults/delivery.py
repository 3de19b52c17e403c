"""Approved drafts to deliver, and what the database and the fake Twilio say became of them."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.models import Message
from tests.delivery.factories import add_customer, add_draft
from tests.fakes.twilio_server import FakeTwilioServer


def approved_drafts(engine: Engine, count: int) -> dict[int, str]:
    """`count` approved SMS drafts, one customer each: draft id -> phone."""
    with unit_of_work(engine) as session:
        made = {}
        for _ in range(count):
            customer = add_customer(session)
            made[add_draft(session, customer).id] = str(customer.phone)
        return made


def statuses(engine: Engine) -> Counter[str]:
    """Outbound messages by status."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Message.status, func.count())
            .where(Message.direction == "outbound")
            .group_by(Message.status)
        ).all()
    return Counter({status: number for status, number in rows})


def all_sent(engine: Engine, count: int) -> bool:
    return statuses(engine).get("sent", 0) == count


def assert_each_sent_once(engine: Engine, twilio: FakeTwilioServer, drafts: dict[int, str]) -> None:
    """Twilio holds exactly one message per draft's phone, and each draft's message (sent)
    records that message's sid: nothing lost, nothing sent twice."""
    stored = list(twilio.messages.values())
    per_phone = Counter(m.to for m in stored)
    twice = {phone: n for phone, n in per_phone.items() if n > 1}
    assert not twice, f"sent more than once: {len(twice)} customers"
    assert set(per_phone) == set(drafts.values()), "a message was lost"
    assert len(twilio.creates()) == len(drafts)
    sid_of = {m.to: m.sid for m in stored}
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Message.draft_id, Message.status, Message.provider_message_id).where(
                Message.direction == "outbound"
            )
        ).all()
    assert len(rows) == len(drafts)
    for draft_id, status, sid in rows:
        assert status == "sent"
        assert sid == sid_of[drafts[draft_id]]
