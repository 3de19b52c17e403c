"""No personal data or secret reaches the log, at DEBUG for our loggers, over a whole flow:
demo import, campaign drafts, approval, sends through the outbox, an inbound SMS, its
suggested reply and a staff reply sent through Twilio, and an unsubscribe link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from assistant.api.app import create_app
from assistant.cli import app as cli
from assistant.config import get_settings
from assistant.conversations import service as conversations
from assistant.db import unit_of_work
from assistant.delivery.unsubscribe import make_token, secret_from
from assistant.models import Conversation, Customer, Draft, DraftState, Message
from assistant.review import service as review
from assistant.review.actors import Actor
from tests.conversations.helpers import OUR_NUMBER, PUBLIC, text_from
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer
from tests.observability.logcapture import captured_logs

SECRET_KEY = "k3y-for-signing-unsubscribe-links-0123456789"
API_KEY = "ak_live_0123456789abcdefghij"
INBOUND = "my skillet handle cracked, can you help? call me on +15005550199"
REVIEWER = Actor("cli:test", "Test Reviewer")


def _approve_some(engine: Engine, per_channel: int) -> list[int]:
    with unit_of_work(engine) as session:
        chosen: list[int] = []
        for channel in ("sms", "email"):
            chosen += session.execute(
                select(Draft.id)
                .where(Draft.channel == channel, Draft.state == DraftState.PENDING_REVIEW)
                .order_by(Draft.id)
                .limit(per_channel)
            ).scalars()
    for draft_id in chosen:
        with unit_of_work(engine) as session:
            assert review.decide(session, draft_id, action="approve", actor=REVIEWER).applied
    return chosen


def _personal_data(engine: Engine) -> tuple[set[str], set[str]]:
    """Words (names) to find as whole words, and strings (addresses, texts) to find anywhere."""
    with unit_of_work(engine) as session:
        people = session.execute(
            select(Customer.first_name, Customer.last_name, Customer.phone, Customer.email)
        ).all()
        texts = [*session.execute(select(Draft.body)).scalars()]
        texts += session.execute(select(Message.body)).scalars()
    names = {name for row in people for name in row[:2] if name and len(name) > 2}
    strings = {value for row in people for value in row[2:] if value}
    strings |= {text for text in texts if text and len(text) > 12}
    return names, strings


def test_a_whole_flow_logs_no_personal_data_or_secret(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {
        "ASSISTANT_QUIET_HOURS_START": "00:00",
        "ASSISTANT_QUIET_HOURS_END": "00:00",
        "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
        "ASSISTANT_OUTBOX_DIR": str(tmp_path / "outbox"),
        "ASSISTANT_SECRET_KEY": SECRET_KEY,
        "ASSISTANT_API_KEYS": API_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    with captured_logs("DEBUG") as logs:
        done = CliRunner().invoke(cli, ["quickstart", "--customers", "150"])
        assert done.exit_code == 0, done.output
        approved = _approve_some(engine, per_channel=3)
        assert approved
        sent = CliRunner().invoke(cli, ["worker", "--once", "--loglevel=DEBUG"])
        assert sent.exit_code == 0, sent.output
        outbound = {m.customer_id: m for m in _messages(engine) if m.channel == "sms"}
        assert outbound, "no SMS went out through the outbox"
        customer_id, message = next(iter(outbound.items()))

        with FakeTwilioServer() as twilio:
            for name, value in {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": OUR_NUMBER,
                "TWILIO_API_URL": twilio.base_url,
                "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
            }.items():
                monkeypatch.setenv(name, value)
            get_settings.cache_clear()
            with TestClient(create_app(engine)) as web:
                text_from(web, message.to_address, INBOUND)
                with unit_of_work(engine) as session:
                    conversation_id = session.execute(
                        select(Conversation.id).where(Conversation.customer_id == customer_id)
                    ).scalar_one()
                    person = session.get_one(Customer, customer_id)
                    reply = f"So sorry {person.first_name}, a new handle is on its way. - Sam"
                with unit_of_work(engine) as session:
                    staff = conversations.staff_reply(session, conversation_id, REVIEWER, reply)
                    assert staff.applied, staff
                token = make_token(customer_id, "email", secret=secret_from(get_settings()))
                assert web.get(f"/unsubscribe/{token}").status_code == 200
            assert twilio.messages, "the staff reply was not sent"

    names, strings = _personal_data(engine)
    strings |= {INBOUND, reply, token, SECRET_KEY, API_KEY, AUTH_TOKEN, "+15005550199"}
    events = logs.events()
    assert any(str(e.get("event")).startswith("delivery.sent") for e in events)
    assert any(e.get("route") == "/unsubscribe/{token}" for e in events)
    # Task lines carry the task's name and the ids among its arguments.
    assert any(
        e.get("task") == "conversations.follow_up" and isinstance(e.get("message_id"), int)
        for e in events
    )
    # The service's log is also whatever it prints (review cards once went to stdout).
    printed = capsys.readouterr()
    text = logs.text + printed.out + printed.err
    leaked = sorted(s for s in strings if s in text)
    leaked += sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", text))
    where = [line for line in text.splitlines() if leaked and leaked[0] in line][:3]
    assert leaked == [], f"in the log: {leaked[:10]} {where}"


def _messages(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(Message).order_by(Message.id)).scalars())
