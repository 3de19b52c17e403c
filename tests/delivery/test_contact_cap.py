"""One contact policy across channels: at most ASSISTANT_CONTACT_MAX_PER_DAY marketing
messages per customer within ASSISTANT_CONTACT_WINDOW_HOURS, SMS and email together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.models import DraftState, Message
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import (
    draft_state,
    message,
    outbox_lines,
    outbox_transports,
    schedule,
    send,
)

DAY = timedelta(hours=24)


def test_defaults_are_one_marketing_message_a_day_across_channels() -> None:
    rules = DeliveryPolicy.from_settings(get_settings())
    assert (rules.contact_cap, rules.contact_window) == (1, DAY)


def test_sms_then_email_the_same_day_the_email_waits_for_the_next_day(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), DeliveryPolicy.from_settings(get_settings())
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        sms = add_draft(session, customer)
        email = add_draft(session, customer, channel="email")
    sms_id = schedule(engine, sms.id, clock, rules)
    assert sms_id is not None and message(engine, sms_id).scheduled_for == clock.now
    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock, rules) == {"sent": 1}
    sent_at = message(engine, sms_id).sent_at
    assert sent_at is not None
    clock.advance(timedelta(hours=3))  # the same afternoon, inside the sending window
    email_id = schedule(engine, email.id, clock, rules)
    assert email_id is not None
    waiting = message(engine, email_id)
    assert (waiting.status, waiting.error_code) == ("scheduled", "contact_cap")
    assert waiting.scheduled_for == sent_at + DAY  # deferred, not dropped
    assert send(engine, transports, clock.advance(timedelta(hours=20)), rules) == {}
    assert send(engine, transports, clock.advance(timedelta(hours=1)), rules) == {"sent": 1}
    assert len(outbox_lines(tmp_path, "email")) == 1
    assert draft_state(engine, email.id) == DraftState.DELIVERED


def test_with_two_a_day_both_channels_go(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CONTACT_MAX_PER_DAY", "2")
    get_settings.cache_clear()
    clock, rules = Clock(), DeliveryPolicy.from_settings(get_settings())
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        drafts = [add_draft(session, customer), add_draft(session, customer, channel="email")]
    for draft in drafts:
        message_id = schedule(engine, draft.id, clock, rules)
        assert message_id is not None and message(engine, message_id).scheduled_for == clock.now
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 2}


def test_conversation_replies_are_exempt_and_do_not_count(engine: Engine) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        reply = add_draft(session, customer, playbook="reply")
        marketing = add_draft(session, customer, channel="email")
        second_reply = add_draft(session, customer, channel="email", playbook="reply")
    for draft in (reply, marketing, second_reply):
        message_id = schedule(engine, draft.id, clock, rules)
        assert message_id is not None
        assert message(engine, message_id).scheduled_for == clock.now


def test_the_contact_cap_is_checked_again_at_send_time(engine: Engine, tmp_path: Path) -> None:
    """An email that went out after the SMS was scheduled still holds the SMS back."""
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        draft = add_draft(session, customer)
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    with unit_of_work(engine) as session:
        session.add(
            Message(
                customer_id=customer.id,
                direction="outbound",
                channel="email",
                kind="marketing",
                status="delivered",
                body="an earlier note",
                sent_at=clock.now - timedelta(hours=2),
            )
        )
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"deferred": 1}
    deferred = message(engine, message_id)
    assert (deferred.scheduled_for, deferred.error_code) == (
        clock.now + timedelta(hours=22),
        "contact_cap",
    )
    assert outbox_lines(tmp_path) == []
