"""Signed Twilio webhooks and the rows the conversation tests share."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from twilio.request_validator import RequestValidator

from assistant.db import unit_of_work
from assistant.models import (
    AuditEntry,
    ConsentEvent,
    Conversation,
    Customer,
    Draft,
    DraftState,
    Message,
)
from tests.delivery.factories import add_customer, add_draft
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN

PUBLIC = "https://assistant.example.com"
PATH = "/webhooks/twilio/sms"
OUR_NUMBER = "+15005550006"
OUTREACH = "Hi Maya, how's the Cast Iron Skillet 10in treating you? Just reply. - Sam"
_sids = itertools.count(1)


def new_sid() -> str:
    """A fresh MessageSid (SM + 32 hex characters)."""
    return f"SM{next(_sids):032x}"


def inbound_params(sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts for an inbound SMS."""
    sid = sid or new_sid()
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": OUR_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def sign(params: Mapping[str, str], *, url: str = PUBLIC + PATH, token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it (its own RequestValidator)."""
    return str(RequestValidator(token).compute_signature(url, dict(params)))


def post_inbound(
    client: TestClient,
    params: Mapping[str, str],
    *,
    signature: str | None = None,
    unsigned: bool = False,
) -> Any:
    """POST the form as Twilio does, signed unless told otherwise."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if not unsigned:
        headers["X-Twilio-Signature"] = signature or sign(params)
    return client.post(PATH, content=urlencode(params), headers=headers)


def text_from(client: TestClient, sender: str, body: str, sid: str | None = None) -> Any:
    """A signed inbound SMS `body` from `sender`; asserts Twilio got TwiML in time."""
    response = post_inbound(client, inbound_params(sender, body, sid))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return response


@dataclass(frozen=True)
class Seeded:
    """A customer we texted (the outreach), with the ids the tests look at."""

    customer_id: int
    phone: str
    outreach_message_id: int
    outreach_draft_id: int


def seed_outreach(engine: Engine, **customer: Any) -> Seeded:
    """A customer with SMS consent, an order, and a check-in SMS we sent yesterday."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        person = add_customer(session, **customer)
        draft = add_draft(
            session,
            person,
            playbook="check_in",
            state=DraftState.SENT,
            body=OUTREACH,
            created_at=now - timedelta(days=2),
            facts={
                "customer": {"first_name": person.first_name},
                "purchase": {"product": "Cast Iron Skillet 10in", "ordered_on": "2026-11-18"},
            },
        )
        message = Message(
            idempotency_key=f"draft:{draft.id}",
            provider_message_id=f"SMout{draft.id:029d}",
            customer_id=person.id,
            draft_id=draft.id,
            direction="outbound",
            channel="sms",
            kind="marketing",
            status="delivered",
            to_address=person.phone,
            body=OUTREACH,
            sent_at=now - timedelta(days=1),
            attempts=1,
        )
        session.add(message)
        session.flush()
        assert person.phone is not None
        return Seeded(person.id, person.phone, message.id, draft.id)


def customer(engine: Engine, customer_id: int) -> Customer:
    with unit_of_work(engine) as session:
        return session.get_one(Customer, customer_id)


def messages(engine: Engine, **where: Any) -> list[Message]:
    with unit_of_work(engine) as session:
        statement = select(Message).order_by(Message.id)
        for name, value in where.items():
            statement = statement.where(getattr(Message, name) == value)
        return list(session.execute(statement).scalars())


def drafts(engine: Engine, **where: Any) -> list[Draft]:
    with unit_of_work(engine) as session:
        statement = select(Draft).order_by(Draft.id)
        for name, value in where.items():
            statement = statement.where(getattr(Draft, name) == value)
        return list(session.execute(statement).scalars())


def conversations(engine: Engine, customer_id: int) -> list[Conversation]:
    with unit_of_work(engine) as session:
        return list(
            session.execute(
                select(Conversation)
                .where(Conversation.customer_id == customer_id)
                .order_by(Conversation.id)
            ).scalars()
        )


def consent_events(engine: Engine, customer_id: int) -> list[ConsentEvent]:
    with unit_of_work(engine) as session:
        return list(
            session.execute(
                select(ConsentEvent)
                .where(ConsentEvent.customer_id == customer_id)
                .order_by(ConsentEvent.id)
            ).scalars()
        )


def draft_audit(engine: Engine, draft_id: int) -> list[tuple[str | None, str | None, str]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(AuditEntry.from_state, AuditEntry.to_state, AuditEntry.action)
            .where(AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id)
            .order_by(AuditEntry.id)
        ).all()
        return [(a, b, c) for a, b, c in rows]


def add_order(
    engine: Engine,
    customer_id: int,
    product: str,
    *,
    number: str,
    days_ago: int = 5,
    return_note: str | None = None,
) -> None:
    """An order of one product (and its return with a staff note, when given)."""
    from decimal import Decimal

    from assistant.models import Order, OrderItem, Product, Return

    at = datetime.now(UTC) - timedelta(days=days_ago)
    with unit_of_work(engine) as session:
        item = Product(external_id=f"p-{number}", name=product, price=Decimal("40.00"))
        order = Order(
            external_id=number, customer_id=customer_id, ordered_at=at, total=Decimal("40.00")
        )
        session.add_all([item, order])
        session.flush()
        session.add(
            OrderItem(
                order_id=order.id,
                product_id=item.id,
                customer_id=customer_id,
                ordered_at=at,
                unit_price=Decimal("40.00"),
            )
        )
        if return_note is not None:
            session.add(
                Return(
                    order_id=order.id,
                    product_id=item.id,
                    customer_id=customer_id,
                    returned_at=at + timedelta(days=1),
                    reason_code="quality",
                    note=return_note,
                )
            )
