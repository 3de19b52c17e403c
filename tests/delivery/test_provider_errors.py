"""Provider errors: backoff for retryable ones, reconciliation for uncertain ones, and the
permanent ones (opted out, bad number) mapped onto consent and message state."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.delivery.sender import Sender, Transports
from assistant.models import ConsentEvent, Customer, DraftState
from assistant.ports import SendError, SendResult
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import draft_state, message, outbox_lines, schedule
from tests.delivery.transports import FaultyEmail, FaultySms, NeverLanded


def _setup(engine: Engine, tmp_path: Path, channel: str = "sms") -> tuple[Sender, FaultySms, int]:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), channel=channel)
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    sms = FaultySms(tmp_path)
    sender = Sender(engine, Transports(sms=sms, email=FaultyEmail(tmp_path)), rules, clock=clock)
    return sender, sms, message_id


def _advance(sender: Sender, delta: timedelta) -> None:
    clock = sender.clock
    assert isinstance(clock, Clock)
    clock.advance(delta)


def test_rate_limited_backs_off_honouring_retry_after(engine: Engine, tmp_path: Path) -> None:
    sender, sms, message_id = _setup(engine, tmp_path)
    sms.send_faults.extend(
        [SendError("429", retryable=True, retry_after=120), SendError("500", retryable=True)]
    )
    start = sender.clock()
    assert sender.run() == {"retrying": 1}
    waiting = message(engine, message_id)
    assert (waiting.status, waiting.attempts, waiting.error_code) == ("scheduled", 1, "429")
    assert waiting.scheduled_for == start + timedelta(seconds=120)  # Retry-After beats 30 s
    assert sender.run() == {}  # not due yet
    _advance(sender, timedelta(seconds=120))
    assert sender.run() == {"retrying": 1}
    assert message(engine, message_id).scheduled_for == sender.clock() + timedelta(seconds=60)
    _advance(sender, timedelta(seconds=60))
    assert sender.run() == {"sent": 1}
    assert (sms.sends, sms.finds) == (3, 0)  # certain failures need no reconciliation
    assert len(outbox_lines(tmp_path)) == 1
    assert message(engine, message_id).attempts == 3


def test_gives_up_after_max_attempts(engine: Engine, tmp_path: Path) -> None:
    sender, sms, message_id = _setup(engine, tmp_path)
    sms.send_faults.extend(SendError("503", retryable=True) for _ in range(20))
    for _ in range(sender.policy.max_attempts + 2):
        sender.run()
        _advance(sender, sender.policy.backoff_max)
    failed = message(engine, message_id)
    assert (failed.status, failed.error_code) == ("failed", "max_attempts")
    assert sms.sends == sender.policy.max_attempts
    assert draft_state(engine, failed.draft_id or 0) == DraftState.FAILED


def test_uncertain_timeout_is_reconciled_before_any_retry(engine: Engine, tmp_path: Path) -> None:
    sender, sms, message_id = _setup(engine, tmp_path)
    sms.send_faults.append(SendError("timeout", retryable=True, uncertain=True))
    assert sender.run() == {"reconciling": 1}
    stuck = message(engine, message_id)
    assert (stuck.status, stuck.error_code) == ("sending", "timeout")
    _advance(sender, timedelta(seconds=30))
    assert sender.run() == {"reconciled": 1}
    assert (sms.sends, sms.finds) == (1, 1)
    assert len(outbox_lines(tmp_path)) == 1
    assert message(engine, message_id).provider_message_id == outbox_lines(tmp_path)[0]["id"]


def test_uncertain_failure_that_did_not_land_is_sent_again(engine: Engine, tmp_path: Path) -> None:
    sender, sms, _ = _setup(engine, tmp_path)
    # A connection refused: certainly not sent, so simply retried later.
    sms.send_faults.append(SendError("connection", retryable=True))
    assert sender.run() == {"retrying": 1}
    # A read timeout: maybe sent. Reconciliation first, and the provider cannot be asked yet.
    _advance(sender, timedelta(seconds=30))
    sms.send_faults.append(NeverLanded())
    assert sender.run() == {"reconciling": 1}
    _advance(sender, timedelta(minutes=1))
    sms.find_faults.append(SendError("503", retryable=True))
    assert sender.run() == {"reconciling": 1}  # could not ask: wait and ask again
    _advance(sender, timedelta(minutes=2))
    assert sender.run() == {"sent": 1}  # the provider did not have it: sent once
    assert (sms.sends, sms.finds) == (3, 2)
    assert len(outbox_lines(tmp_path)) == 1


def test_provider_that_cannot_tell_fails_the_message_instead_of_guessing(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), channel="email")
    message_id = schedule(engine, draft.id, clock, rules)
    email = FaultyEmail(tmp_path)
    email.send_faults.append(SendError("smtp", retryable=True, uncertain=True))
    email.find_faults.append(SendError("unverifiable", "SMTP cannot be asked"))
    sender = Sender(engine, Transports(sms=FaultySms(tmp_path), email=email), rules, clock=clock)
    assert sender.run() == {"reconciling": 1}
    clock.advance(timedelta(minutes=1))
    assert sender.run() == {"failed": 1}
    failed = message(engine, message_id or 0)
    assert (failed.status, failed.error_code) == ("failed", "unverifiable")
    clock.advance(timedelta(days=1))
    assert sender.run() == {}
    assert email.sends == 1  # never sent again: a person checks


def test_opted_out_at_the_provider_turns_consent_off_and_cancels(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), policy(frequency_cap=0, contact_cap=0)
    with unit_of_work(engine) as session:
        customer = add_customer(session)
        first = add_draft(session, customer)
        second = add_draft(session, customer)
        pending = add_draft(session, customer, state=DraftState.PENDING_REVIEW)
    first_id = schedule(engine, first.id, clock, rules)
    second_id = schedule(engine, second.id, clock, rules)
    sms = FaultySms(tmp_path)
    sms.send_faults.append(SendError("21610", "unsubscribed", permanent_reason="opted_out"))
    sender = Sender(engine, Transports(sms=sms, email=FaultyEmail(tmp_path)), rules, clock=clock)
    # The second message was cancelled with the first, before its turn came: no longer due.
    assert sender.run() == {"cancelled": 1}
    for message_id in (first_id, second_id):
        assert message(engine, message_id or 0).status == "cancelled"
        assert message(engine, message_id or 0).error_code == "opted_out"
    for draft in (first, second, pending):
        assert draft_state(engine, draft.id) == DraftState.CANCELLED
    with unit_of_work(engine) as session:
        row = session.get_one(Customer, customer.id)
        assert (row.sms_consent, row.sms_consent_source) == (False, "provider")
        event = session.execute(select(ConsentEvent)).scalar_one()
        assert (event.destination, event.evidence) == (
            row.phone,
            {"message_id": first_id, "provider_error": "21610"},
        )
        assert (event.consented, event.source, event.detail) == (
            False,
            "provider",
            "provider error 21610",
        )
    assert sms.sends == 1
    assert outbox_lines(tmp_path) == []


def test_bad_number_fails_with_the_reason(engine: Engine, tmp_path: Path) -> None:
    sender, sms, message_id = _setup(engine, tmp_path)
    sms.send_faults.append(
        SendError("21614", "not a mobile number", permanent_reason="bad_address")
    )
    assert sender.run() == {"failed": 1}
    failed = message(engine, message_id)
    assert (failed.status, failed.error_code, failed.error_message) == (
        "failed",
        "21614",
        "not a mobile number",
    )
    assert draft_state(engine, failed.draft_id or 0) == DraftState.FAILED
    _advance(sender, timedelta(days=1))
    assert sender.run() == {}
    assert sms.sends == 1


def test_an_adapter_bug_is_treated_as_uncertain(engine: Engine, tmp_path: Path) -> None:
    class Broken(FaultySms):
        def send(
            self, to: str, body: str, *, idempotency_key: str, status_callback: str | None = None
        ) -> SendResult:
            self.sends += 1
            raise RuntimeError("adapter bug")

    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session))
    message_id = schedule(engine, draft.id, clock, rules)
    broken = Broken(tmp_path)
    sender = Sender(engine, Transports(sms=broken, email=FaultyEmail(tmp_path)), rules, clock=clock)
    assert sender.run() == {"reconciling": 1}
    assert message(engine, message_id or 0).status == "sending"
