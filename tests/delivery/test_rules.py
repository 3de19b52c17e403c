"""The rules at scheduling and at send time: caps, quiet hours, holds, playbook timing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.rules import next_under_cap
from assistant.models import DraftState, Message, Order
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import (
    draft_state,
    message,
    outbox_lines,
    outbox_transports,
    schedule,
    send,
)

NEW_YORK = ZoneInfo("America/New_York")


def test_cap_allows_one_per_window() -> None:
    week = timedelta(days=7)
    start = datetime(2026, 3, 10, tzinfo=UTC)
    assert next_under_cap([], start, 1, week) == start
    assert next_under_cap([start - timedelta(days=2)], start, 1, week) == start + timedelta(days=5)
    assert next_under_cap([start + timedelta(days=3)], start, 1, week) == start + timedelta(days=10)
    assert next_under_cap([start - timedelta(days=8)], start, 1, week) == start
    two = [start - timedelta(days=1), start - timedelta(days=3)]
    assert next_under_cap(two, start, 2, week) == start + timedelta(days=4)
    assert next_under_cap(two, start, 3, week) == start
    assert next_under_cap(two, start, 0, week) == start  # 0: no cap


def test_second_marketing_message_waits_a_week(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        first = add_draft(session, customer)
        second = add_draft(session, customer)
    first_id = schedule(engine, first.id, clock, rules)
    second_id = schedule(engine, second.id, clock, rules)
    assert first_id is not None and second_id is not None
    waiting = message(engine, second_id)
    assert waiting.status == "scheduled"
    assert waiting.scheduled_for == clock.now + timedelta(days=7)
    assert waiting.error_code == "frequency_cap"
    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock, rules) == {"sent": 1}
    assert send(engine, transports, clock.advance(timedelta(days=6, hours=23)), rules) == {}
    assert send(engine, transports, clock.advance(timedelta(hours=1)), rules) == {"sent": 1}
    assert len(outbox_lines(tmp_path)) == 2
    assert draft_state(engine, second.id) == DraftState.DELIVERED


def test_cap_is_per_channel_and_spares_conversation_replies(engine: Engine) -> None:
    # Two a day across channels: only the per-channel cap is under test here.
    clock, rules = Clock(), policy(contact_cap=2)
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        first = add_draft(session, customer)
        email = add_draft(session, customer, channel="email")
        reply = add_draft(session, customer, playbook="reply")
    for draft in (first, email, reply):
        message_id = schedule(engine, draft.id, clock, rules)
        assert message_id is not None
        assert message(engine, message_id).scheduled_for == clock.now
    assert message(engine, schedule(engine, reply.id, clock, rules) or 0).kind == "conversation"


def test_cap_rechecked_at_send_time(engine: Engine, tmp_path: Path) -> None:
    """A message sent outside the scheduler (say, by another process) still counts."""
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
                channel="sms",
                kind="marketing",
                status="delivered",
                body="an earlier note",
                sent_at=clock.now - timedelta(days=1),
            )
        )
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"deferred": 1}
    deferred = message(engine, message_id)
    assert deferred.scheduled_for == clock.now + timedelta(days=6)
    assert deferred.error_code == "frequency_cap"
    assert outbox_lines(tmp_path) == []


def test_quiet_hours_defer_to_the_customer_s_morning(engine: Engine, tmp_path: Path) -> None:
    # 03:30 UTC = 22:30 in New York the evening before, but 12:30 in Tokyo.
    clock, rules = Clock(datetime(2026, 3, 11, 3, 30, tzinfo=UTC)), policy()
    with unit_of_work(engine) as session:
        new_yorker = add_customer(session, timezone="America/New_York")
        tokyo = add_customer(session, timezone="Asia/Tokyo")
        # An unknown zone and a number of no single zone: the brand's zone.
        unknown = add_customer(session, timezone="Atlantis/Lost", phone="+15555550100")
        drafts = [add_draft(session, c) for c in (new_yorker, tokyo, unknown)]
    ids = [schedule(engine, d.id, clock, rules) for d in drafts]
    nine_ny = datetime.combine(date(2026, 3, 11), time(9), tzinfo=NEW_YORK)
    assert message(engine, ids[0] or 0).scheduled_for == nine_ny
    assert message(engine, ids[0] or 0).error_code == "quiet_hours"
    assert message(engine, ids[1] or 0).scheduled_for == clock.now
    assert message(engine, ids[2] or 0).scheduled_for == nine_ny  # unknown zone → brand zone
    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock, rules) == {"sent": 1}
    assert send(engine, transports, Clock(nine_ny - timedelta(minutes=1)), rules) == {}
    assert send(engine, transports, Clock(nine_ny), rules) == {"sent": 2}


def test_quiet_hours_rechecked_at_send_time(engine: Engine, tmp_path: Path) -> None:
    """A sender that runs late (a worker was down) does not send into the night."""
    clock, rules = Clock(), policy()  # 11:00 in New York
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session))
    message_id = schedule(engine, draft.id, clock, rules)
    late = Clock(datetime(2026, 3, 11, 2, 0, tzinfo=UTC))  # 22:00 in New York
    assert send(engine, outbox_transports(tmp_path), late, rules) == {"deferred": 1}
    assert message(engine, message_id or 0).scheduled_for == datetime(
        2026, 3, 11, 9, 0, tzinfo=NEW_YORK
    )


def test_conversation_replies_ignore_quiet_hours(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(datetime(2026, 3, 11, 3, 30, tzinfo=UTC)), policy()
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), playbook="reply")
    schedule(engine, draft.id, clock, rules)
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 1}


def test_reply_or_purchase_since_the_draft_holds_it(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    written = clock.now - timedelta(hours=2)
    with unit_of_work(engine) as session:
        replied = add_customer(session)
        bought = add_customer(session)
        refunded = add_customer(session)
        drafts = [add_draft(session, c, created_at=written) for c in (replied, bought, refunded)]
        session.add(
            Message(
                customer_id=replied.id,
                direction="inbound",
                channel="sms",
                kind="conversation",
                status="received",
                body="is the skillet oven safe?",
            )
        )
        for customer, status in ((bought, "completed"), (refunded, "refunded")):
            session.add(
                Order(
                    external_id=f"o-{customer.id}",
                    customer_id=customer.id,
                    ordered_at=clock.now - timedelta(hours=1),
                    total=40,
                    status=status,
                )
            )
    ids = [schedule(engine, d.id, clock, rules) for d in drafts]
    assert message(engine, ids[0] or 0).error_code == "customer_replied"
    assert message(engine, ids[1] or 0).error_code == "customer_purchased"
    assert message(engine, ids[2] or 0).status == "scheduled"  # a refunded order is no purchase
    assert draft_state(engine, drafts[0].id) == DraftState.CANCELLED
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 1}


def test_hold_rechecked_at_send_time(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        draft = add_draft(session, customer, created_at=clock.now - timedelta(minutes=5))
    message_id = schedule(engine, draft.id, clock, rules)
    with unit_of_work(engine) as session:
        session.add(
            Order(
                external_id=f"late-{customer.id}",
                customer_id=customer.id,
                ordered_at=clock.now - timedelta(minutes=1),
                total=12,
            )
        )
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"held": 1}
    assert message(engine, message_id or 0).error_code == "customer_purchased"


def test_playbook_timing_defers_then_holds(engine: Engine) -> None:
    """check_in goes 3-7 days after the purchase, in the customer's days."""
    clock, rules = Clock(), policy()  # 10 March 2026, 11:00 in New York
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        early = add_draft(
            session,
            customer,
            playbook="check_in",
            facts={"purchase": {"product": "Skillet", "ordered_on": "2026-03-09"}},
        )
        late = add_draft(
            session,
            add_customer(session),
            playbook="check_in",
            facts={"purchase": {"product": "Skillet", "ordered_on": "2026-03-02"}},
        )
    early_id = schedule(engine, early.id, clock, rules)
    waiting = message(engine, early_id or 0)
    assert waiting.scheduled_for == datetime(2026, 3, 12, 9, 0, tzinfo=NEW_YORK)
    assert waiting.error_code == "playbook_timing"
    late_id = schedule(engine, late.id, clock, rules)
    held = message(engine, late_id or 0)
    assert (held.status, held.error_code) == ("cancelled", "playbook_window_passed")


def test_custom_quiet_hours_from_the_policy(engine: Engine) -> None:
    clock = Clock(datetime(2026, 3, 10, 21, 30, tzinfo=UTC))  # 17:30 in New York
    rules = policy(quiet_hours=QuietHours(start=time(17, 0), end=time(10, 0)))
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session))
    message_id = schedule(engine, draft.id, clock, rules)
    assert message(engine, message_id or 0).scheduled_for == datetime(
        2026, 3, 11, 10, 0, tzinfo=NEW_YORK
    )
