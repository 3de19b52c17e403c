"""Scheduling at the learned hour on simulated behaviour, on SQLite and PostgreSQL.

Customers whose replies, clicks or orders cluster at a known local hour get their marketing
message at that hour; quiet hours and caps still win; the fallback chain, the holdout and
`ASSISTANT_SEND_TIME=off` behave as docs/send-time.md says.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.messages import list_messages
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.send_time import SendTimePolicy
from assistant.models import Conversation
from tests.delivery.factories import NOON_ISH, Clock, add_customer, add_draft, policy
from tests.delivery.helpers import message, outbox_transports, schedule, send
from tests.delivery.send_time_store import engage, label

LEARNING = policy(send_time=SendTimePolicy(min_events=3, holdout_percent=0))
SEVEN_PM_NEW_YORK = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # NOON_ISH is 11:00 EDT


def _scheduled(engine: Engine, message_id: int | None) -> tuple[datetime | None, str | None]:
    assert message_id is not None
    found = message(engine, message_id)
    assert found.status == "scheduled"
    at = found.scheduled_for
    return (at.replace(tzinfo=UTC) if at and at.tzinfo is None else at), found.send_time


@pytest.mark.parametrize("source", ["order", "reply", "link_clicked"])
def test_customer_whose_moments_cluster_at_19_gets_19_local(engine: Engine, source: str) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=3, source=source)
        engage(session, customer, 10, count=1, source="order")
        draft = add_draft(session, customer)
    scheduled = schedule(engine, draft.id, Clock(), LEARNING)
    assert _scheduled(engine, scheduled) == (SEVEN_PM_NEW_YORK, "learned")
    with unit_of_work(engine) as session:  # what `messages list` and the API show
        (row,) = list_messages(session)
    assert (row.id, row.reason, row.send_time) == (scheduled, "send_time", "learned")


def test_an_unknown_event_kind_is_not_a_click(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=5, source="viewed_product")
        draft = add_draft(session, customer)
    assert _scheduled(engine, schedule(engine, draft.id, Clock(), LEARNING)) == (NOON_ISH, "none")


def test_the_hour_is_the_customers_own_zone(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session, timezone="America/Los_Angeles")
        engage(session, customer, 19, count=4)
        draft = add_draft(session, customer)
    at, used = _scheduled(engine, schedule(engine, draft.id, Clock(), LEARNING))
    assert (at, used) == (datetime(2026, 3, 11, 2, 0, tzinfo=UTC), "learned")  # 19:00 PDT


def test_it_goes_out_at_the_learned_hour_not_before(engine: Engine, tmp_path: Path) -> None:
    clock = Clock()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=3, source="reply")
        draft = add_draft(session, customer)
    message_id = schedule(engine, draft.id, clock, LEARNING)
    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock.advance(timedelta(hours=7, minutes=59)), LEARNING) == {}
    assert send(engine, transports, clock.advance(timedelta(minutes=1)), LEARNING) == {"sent": 1}
    sent = message(engine, message_id or 0)
    assert sent.sent_at is not None
    assert sent.sent_at.replace(tzinfo=UTC) == SEVEN_PM_NEW_YORK
    assert (sent.status, sent.error_code, sent.send_time) == ("delivered", None, "learned")


def test_quiet_hours_win_over_a_quiet_best_hour(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 22, count=5)  # 22:00 is inside 20:00-09:00
        draft = add_draft(session, customer)
    message_id = schedule(engine, draft.id, Clock(), LEARNING)
    at, used = _scheduled(engine, message_id)
    assert (at, used) == (datetime(2026, 3, 11, 13, 0, tzinfo=UTC), "learned")  # 09:00 EDT
    assert message(engine, message_id or 0).error_code == "quiet_hours"


def test_the_contact_cap_wins_over_the_best_hour(engine: Engine, tmp_path: Path) -> None:
    clock = Clock()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        first = add_draft(session, customer)
    rules = dataclasses.replace(LEARNING, send_time=None)
    schedule(engine, first.id, clock, rules)
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 1}
    with unit_of_work(engine) as session:
        engage(session, session.merge(customer), 19, count=3)
        second = add_draft(session, session.merge(customer), channel="email")
    at, used = _scheduled(engine, schedule(engine, second.id, clock, LEARNING))
    # 19:00 today is within 24 h of the SMS sent at 11:00: the cap moves it to 11:00 tomorrow.
    assert (at, used) == (NOON_ISH + timedelta(hours=24), "learned")


def test_fallback_to_the_segment_then_the_brand(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for _ in range(4):  # 20 moments at 14:00 among "champions"
            peer = add_customer(session)
            label(session, peer, "champions")
            engage(session, peer, 14, count=5)
        for _ in range(5):  # 25 moments at 16:00 among unlabelled customers
            engage(session, add_customer(session), 16, count=5)
        champion = add_customer(session)
        label(session, champion, "champions")
        engage(session, champion, 19, count=2)  # below the minimum of 3
        stranger = add_customer(session)  # no metrics row: no segment
        lonely = add_customer(session)
        label(session, lonely, "hibernating")  # a segment without enough moments
        drafts = [add_draft(session, c).id for c in (champion, stranger, lonely)]
    clock = Clock()
    found = [_scheduled(engine, schedule(engine, d, clock, LEARNING)) for d in drafts]
    # The brand pools everyone: 25 at 16:00 beat 20 at 14:00 and 2 at 19:00.
    two_pm, four_pm = (datetime(2026, 3, 10, h, 0, tzinfo=UTC) for h in (18, 20))
    assert found == [(two_pm, "segment"), (four_pm, "brand"), (four_pm, "brand")]


def test_nothing_learned_anywhere_sends_as_soon_as_allowed(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session))
    assert _scheduled(engine, schedule(engine, draft.id, Clock(), LEARNING)) == (NOON_ISH, "none")


def test_holdout_sends_a_learned_customer_at_the_fallback(engine: Engine) -> None:
    everyone = policy(send_time=SendTimePolicy(min_events=3, holdout_percent=100))
    with unit_of_work(engine) as session:
        learned = add_customer(session)
        engage(session, learned, 19, count=3)
        unlearned = add_customer(session)
        drafts = [add_draft(session, c).id for c in (learned, unlearned)]
    clock = Clock()
    found = [_scheduled(engine, schedule(engine, d, clock, everyone)) for d in drafts]
    # Only a message that had a learned hour can be held out; the other keeps its policy.
    assert found == [(NOON_ISH, "holdout"), (NOON_ISH, "none")]


def test_replies_in_a_conversation_are_exempt(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=3)
        thread = Conversation(customer_id=customer.id, channel="sms")
        session.add(thread)
        session.flush()
        draft = add_draft(session, customer, playbook="reply", conversation_id=thread.id)
    assert _scheduled(engine, schedule(engine, draft.id, Clock(), LEARNING)) == (NOON_ISH, None)


def test_settings_turn_it_on_and_off(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    assert DeliveryPolicy.from_settings(get_settings()).send_time is None  # tests: off
    monkeypatch.setenv("ASSISTANT_SEND_TIME", "on")
    monkeypatch.setenv("ASSISTANT_SEND_TIME_MIN_EVENTS", "4")
    get_settings.cache_clear()
    rules = DeliveryPolicy.from_settings(get_settings())
    assert rules.send_time == SendTimePolicy(min_events=4, holdout_percent=20)
    monkeypatch.delenv("ASSISTANT_SEND_TIME")
    get_settings.cache_clear()
    assert DeliveryPolicy.from_settings(get_settings()).send_time is not None  # default: on


def test_off_schedules_as_before(engine: Engine) -> None:
    off = DeliveryPolicy.from_settings(get_settings())
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=5)
        draft = add_draft(session, customer)
    at, used = _scheduled(engine, schedule(engine, draft.id, Clock(), off))
    assert (at, used) == (NOON_ISH, None)


def test_a_playbook_that_opens_later_gets_the_best_hour_of_its_first_day(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        engage(session, customer, 19, count=3)
        draft = add_draft(
            session,
            customer,
            playbook="check_in",  # opens 3 days after the order: 12 March, New York
            facts={"purchase": {"product": "Skillet", "ordered_on": "2026-03-09"}},
        )
    message_id = schedule(engine, draft.id, Clock(), LEARNING)
    at, used = _scheduled(engine, message_id)
    assert (at, used) == (datetime(2026, 3, 12, 23, 0, tzinfo=UTC), "learned")  # 19:00 EDT
    assert message(engine, message_id or 0).error_code == "playbook_timing"
