"""From approval to the outbox: one message per draft, rules at send time, provider errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from assistant.db import unit_of_work
from assistant.delivery import consent
from assistant.models import ConsentEvent, Customer, DraftState, Message
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import (
    draft_audit,
    draft_state,
    message,
    outbox_lines,
    outbox_transports,
    schedule,
    send,
)


def test_an_approved_draft_is_sent_once_through_the_outbox(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        draft = add_draft(session, customer)
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    assert schedule(engine, draft.id, clock, rules) == message_id  # one message per draft
    scheduled = message(engine, message_id)
    assert scheduled.idempotency_key == f"draft:{draft.id}"
    assert scheduled.status == "scheduled"
    assert scheduled.scheduled_for == clock.now
    assert draft_state(engine, draft.id) == DraftState.SCHEDULED

    transports = outbox_transports(tmp_path)
    assert send(engine, transports, clock, rules) == {"sent": 1}
    assert send(engine, transports, clock.advance(timedelta(hours=1)), rules) == {}

    lines = outbox_lines(tmp_path)
    assert len(lines) == 1
    assert lines[0]["idempotency_key"] == f"draft:{draft.id}"
    assert lines[0]["to"] == customer.phone
    assert lines[0]["body"] == draft.body
    sent = message(engine, message_id)
    assert sent.provider_message_id == lines[0]["id"]
    assert sent.status == "delivered"  # the outbox delivers on write
    assert sent.attempts == 1
    assert draft_state(engine, draft.id) == DraftState.DELIVERED
    assert [(f, t) for f, t, _ in draft_audit(engine, draft.id)] == [
        ("approved", "scheduled"),
        ("scheduled", "sent"),
        ("sent", "delivered"),
    ]


def test_email_goes_to_the_email_outbox_with_its_subject(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        draft = add_draft(session, customer, channel="email")
    schedule(engine, draft.id, clock, rules)
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 1}
    (line,) = outbox_lines(tmp_path, "email")
    assert line["to"] == customer.email
    assert line["subject"] == draft.subject
    assert line["text"] == draft.body
    assert line["customer_id"] == customer.id
    assert outbox_lines(tmp_path, "sms") == []


def test_unapproved_drafts_are_never_scheduled(engine: Engine) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        drafts = [
            add_draft(session, customer, state=state)
            for state in (
                DraftState.GENERATED,
                DraftState.PENDING_REVIEW,
                DraftState.NEEDS_ATTENTION,
                DraftState.REJECTED,
                DraftState.CANCELLED,
            )
        ]
    for draft in drafts:
        assert schedule(engine, draft.id, clock, rules) is None
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_opt_out_after_scheduling_cancels_at_send_time(engine: Engine, tmp_path: Path) -> None:
    """Consent is checked again when sending, not only at approval."""
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        draft = add_draft(session, customer)
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    # Consent withdrawn behind the scheduler's back (an import, a staff edit): no cascade ran.
    with unit_of_work(engine) as session:
        row = session.get_one(Customer, customer.id)
        row.sms_consent, row.sms_consent_source = False, "sms_keyword"
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"cancelled": 1}
    assert outbox_lines(tmp_path) == []
    cancelled = message(engine, message_id)
    assert (cancelled.status, cancelled.error_code) == ("cancelled", "opted_out")
    assert draft_state(engine, draft.id) == DraftState.CANCELLED


def test_opt_out_cancels_every_queued_message_and_unsent_draft(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        scheduled = add_draft(session, customer)
        pending = add_draft(session, customer, state=DraftState.PENDING_REVIEW)
        email = add_draft(session, customer, channel="email")
    message_id = schedule(engine, scheduled.id, clock, rules)
    with unit_of_work(engine) as session:
        result = consent.opt_out(
            session, customer.id, "sms", source="sms_keyword", now=clock(), detail="STOP"
        )
    assert result.cancelled_messages == [message_id]
    assert sorted(result.cancelled_drafts) == sorted([scheduled.id, pending.id])
    assert draft_state(engine, pending.id) == DraftState.CANCELLED
    assert draft_state(engine, email.id) == DraftState.APPROVED  # other channel untouched
    with unit_of_work(engine) as session:
        event = session.execute(select(ConsentEvent)).scalar_one()
        assert (event.channel, event.consented, event.source) == ("sms", False, "sms_keyword")
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {}
    assert outbox_lines(tmp_path) == []


def test_suppressed_address_is_never_messaged(engine: Engine, tmp_path: Path) -> None:
    from assistant.models import Suppression

    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        customer = add_customer(session, email="Maya.Suppressed@Example.com")
        draft = add_draft(session, customer, channel="email")
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    with unit_of_work(engine) as session:
        session.add(
            Suppression(channel="email", address="maya.suppressed@example.com", reason="bounce")
        )
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"cancelled": 1}
    assert message(engine, message_id).error_code == "suppressed"
    assert outbox_lines(tmp_path, "email") == []


def test_no_consent_at_scheduling_cancels_with_the_reason(engine: Engine) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        never = add_customer(session, sms_consent=False)
        no_phone = add_customer(session, phone=None)
        first = add_draft(session, never)
        second = add_draft(session, no_phone)
    for draft, reason in ((first, "no_consent"), (second, "no_address")):
        message_id = schedule(engine, draft.id, clock, rules)
        assert message_id is not None
        stopped = message(engine, message_id)
        assert (stopped.status, stopped.error_code) == ("cancelled", reason)
        assert draft_state(engine, draft.id) == DraftState.CANCELLED
