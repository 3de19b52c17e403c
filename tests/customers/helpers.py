"""A customer with one of every kind of record, and a scan of every text column for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import JSON, Engine, String, select

from assistant.db import unit_of_work
from assistant.models import Base, DraftState, Event, Message, UnmatchedInbound
from tests.clitools import invoke
from tests.conversations.helpers import add_order, text_from
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import schedule

FIRST, LAST = "Zenobia", "Quartermaine"
EMAIL, PHONE = "zenobia.q@example.org", "+14155550987"
OUTBOUND = "Hi Zenobia, how is the Cast Iron Skillet 10in treating you?"
INBOUND = "Zenobia here: the skillet is lovely but rusts after washing"
NOTE = "handle cracked, Zenobia was upset"
QUEUED = "Zenobia, your early access to the Reserve is open"
EARLY = "is this the shop? I lost my receipt"  # texted before we knew the number


@dataclass(frozen=True)
class Person:
    """The seeded customer and the ids the tests look at."""

    customer_id: int
    external_id: str
    queued_message_id: int
    queued_draft_id: int

    @property
    def needles(self) -> list[str]:
        """What must not be found anywhere once they are forgotten."""
        return [FIRST, LAST, EMAIL, PHONE, OUTBOUND, INBOUND, NOTE, QUEUED, EARLY, "rusts after"]


def seed(engine: Engine, web: TestClient) -> Person:
    """Orders, a return, an event, a sent SMS, a reply texted in (a conversation and a
    suggested answer), metrics, a queued email, then STOP by SMS (consent ledger and a
    suppression of the number)."""
    with unit_of_work(engine) as session:
        person = add_customer(
            session,
            external_id="zen-1",
            first_name=FIRST,
            last_name=LAST,
            email=EMAIL,
            phone=PHONE,
            attributes={"stylist_note": f"{FIRST} likes copper"},
        )
        sent = add_draft(
            session,
            person,
            playbook="check_in",
            state=DraftState.SENT,
            body=OUTBOUND,
            facts={"customer": {"first_name": FIRST}, "purchase": {"product": "Skillet"}},
        )
        session.add(
            Message(
                idempotency_key=f"draft:{sent.id}",
                customer_id=person.id,
                draft_id=sent.id,
                direction="outbound",
                channel="sms",
                status="delivered",
                to_address=PHONE,
                body=OUTBOUND,
                sent_at=datetime.now(UTC),
                attempts=1,
            )
        )
        session.add(
            Event(
                customer_id=person.id,
                kind="viewed_product",
                occurred_at=datetime.now(UTC),
                properties={"note": f"{FIRST} browsing"},
            )
        )
        queued = add_draft(session, person, channel="email", body=QUEUED)
        session.add(
            UnmatchedInbound(
                provider_message_id="SM-early-zen",
                from_address=PHONE,
                body=EARLY,
                intent="message",
            )
        )
    add_order(engine, person.id, "Cast Iron Skillet 10in", number="zen-o1", return_note=NOTE)
    add_order(engine, person.id, "Copper Kettle", number="zen-o2", days_ago=40)
    assert invoke("metrics", "refresh").exit_code == 0
    message_id = schedule(engine, queued.id, Clock(), policy())
    assert message_id is not None
    text_from(web, PHONE, INBOUND)
    text_from(web, PHONE, "STOP")
    return Person(person.id, "zen-1", message_id, queued.id)


def text_hits(engine: Engine, needles: list[str]) -> list[str]:
    """`table.column: needle` for every text or JSON value of every table containing one."""
    wanted = [n.lower() for n in needles]
    hits = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | JSON):
                    continue
                for (value,) in connection.execute(select(column).where(column.is_not(None))):
                    text = (value if isinstance(value, str) else json.dumps(value)).lower()
                    hits += [f"{table.name}.{column.name}: {n}" for n in wanted if n in text]
    return sorted(set(hits))
