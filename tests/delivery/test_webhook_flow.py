"""Approval to the brand's webhook receiver through the real httpx transport: signed, once per
message id, retried on 5xx and timeouts with the same idempotency key, never past an opt-out."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.delivery.sender import Sender, Transports
from assistant.models import Customer, DraftState, Suppression
from connectors.outbox import OutboxEmailSender, OutboxSmsSender
from connectors.webhook.transport import WebhookSender
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import draft_state, message, schedule
from tests.fakes.webhook_receiver import SECRET, FakeWebhookReceiver, Fault, running_receiver


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    with running_receiver() as server:
        yield server


@pytest.fixture
def webhook(receiver: FakeWebhookReceiver) -> Iterator[WebhookSender]:
    sender = WebhookSender(url=receiver.url, secret=SECRET, timeout=0.5)
    yield sender
    sender.close()


def _transports(webhook: WebhookSender | None, tmp_path: object) -> Transports:
    directory = str(tmp_path)
    return Transports(
        sms=OutboxSmsSender(directory), email=OutboxEmailSender(directory), webhook=webhook
    )


def _approved(engine: Engine, **customer: object) -> tuple[int, str]:
    with unit_of_work(engine) as session:
        person = add_customer(session, **customer)
        draft = add_draft(session, person, channel="webhook", body="Your skillet is back in stock")
        return draft.id, person.external_id


def test_an_approved_message_is_posted_once_signed(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, external_id = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is not None
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"sent": 1}

    (request,) = receiver.requests
    assert receiver.rejected == []  # the receiver verified the signature
    stamp, signature = (
        part.split("=", 1)[1] for part in request.headers["x-assistant-signature"].split(",")
    )
    assert request.headers["x-assistant-timestamp"] == stamp
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + request.body, hashlib.sha256)
    assert signature == expected.hexdigest()
    assert request.headers["idempotency-key"] == f"draft:{draft_id}"
    payload = request.payload()
    assert payload["id"] == f"draft:{draft_id}"
    assert payload["message_id"] == message_id
    assert payload["customer"] == {"external_id": external_id}
    assert (payload["channel"], payload["type"], payload["playbook"]) == (
        "webhook",
        "message",
        "upsell",
    )
    assert payload["body"] == "Your skillet is back in stock"
    assert payload["created_at"] and payload["campaign"] is None
    for personal in (b"Maya", b"@example.com", b"+1415555"):
        assert personal not in request.body

    sent = message(engine, message_id)
    assert (sent.status, sent.provider_message_id, sent.to_address) == (
        "sent",
        "push-1",
        external_id,
    )
    assert draft_state(engine, draft_id) == DraftState.SENT
    # Run again, and once more for the message itself: nothing more is posted.
    assert sender.run() == {}
    assert sender.process(message_id) == "skipped"
    assert receiver.attempts == {f"draft:{draft_id}": 1}


def test_two_server_errors_then_success_deliver_once_with_one_key(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    receiver.enqueue(Fault(status=500), Fault(status=503))
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"retrying": 1}
    assert message(engine, message_id).error_code == "500"
    assert sender.run() == {}  # backing off
    clock.advance(rules.backoff(1))
    assert sender.run() == {"retrying": 1}
    clock.advance(rules.backoff(2))
    assert sender.run() == {"sent": 1}

    key = f"draft:{draft_id}"
    assert receiver.attempts == {key: 3}
    assert {request.key for request in receiver.requests} == {key}
    assert {request.payload()["id"] for request in receiver.requests} == {key}
    assert list(receiver.deliveries) == [key]
    found = message(engine, message_id)
    assert (found.status, found.attempts, found.error_code) == ("sent", 3, None)


def test_rate_limited_waits_for_retry_after(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    receiver.enqueue(Fault(status=429, retry_after=3600))
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"retrying": 1}
    assert message(engine, message_id).scheduled_for == clock.now + timedelta(hours=1)


def test_a_client_error_fails_the_message_without_retry(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    receiver.enqueue(Fault(status=400, body={"error": "unknown_user"}))
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"failed": 1}
    failed = message(engine, message_id)
    assert (failed.status, failed.error_code) == ("failed", "400")
    assert "unknown_user" in (failed.error_message or "")
    assert draft_state(engine, draft_id) == DraftState.FAILED
    clock.advance(timedelta(days=2))
    assert sender.run() == {}
    assert receiver.attempts == {f"draft:{draft_id}": 1}
    assert receiver.deliveries == {}


def test_a_timeout_is_retried_with_the_same_key_and_delivered_once(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    receiver.enqueue(Fault(hang=3.0))  # the receiver takes it, the answer never comes
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"reconciling": 1}
    waiting = message(engine, message_id)
    assert (waiting.status, waiting.error_code) == ("sending", "timeout")
    clock.advance(rules.backoff(1))
    assert sender.run() == {"sent": 1}

    key = f"draft:{draft_id}"
    assert receiver.attempts == {key: 2}
    assert {request.key for request in receiver.requests} == {key}
    assert list(receiver.deliveries) == [key]  # the receiver deduped the repeat
    assert message(engine, message_id).status == "sent"


@pytest.mark.parametrize(
    ("customer", "reason"),
    [
        ({"sms_consent": False, "sms_consent_source": "customer_request"}, "opted_out"),
        (
            {
                "sms_consent": False,
                "sms_consent_source": "sms_keyword",
                "email_consent": False,
                "email_consent_source": "email_unsubscribe",
            },
            "opted_out",
        ),
    ],
)
def test_a_customer_opted_out_of_all_messaging_gets_nothing(
    engine: Engine,
    receiver: FakeWebhookReceiver,
    webhook: WebhookSender,
    tmp_path: object,
    customer: dict[str, object],
    reason: str,
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine, **customer)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {}
    stopped = message(engine, message_id)
    assert (stopped.status, stopped.error_code) == ("cancelled", reason)
    assert receiver.requests == []


def test_an_opt_out_after_scheduling_stops_the_send(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, external_id = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    with unit_of_work(engine) as session:
        session.add(Suppression(channel="webhook", address=external_id, reason="brand_request"))
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"cancelled": 1}
    assert message(engine, message_id).error_code == "suppressed"
    assert receiver.requests == []


def test_a_stop_on_sms_alone_does_not_stop_push(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine, sms_consent=False, sms_consent_source="sms_keyword")
    schedule(engine, draft_id, clock, rules)
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {"sent": 1}
    assert len(receiver.deliveries) == 1


def test_quiet_hours_defer_a_webhook_message(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    clock.now = clock.now.replace(hour=3)  # 22:00 or 23:00 in New York
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    deferred = message(engine, message_id)
    assert (deferred.status, deferred.error_code) == ("scheduled", "quiet_hours")
    sender = Sender(engine, _transports(webhook, tmp_path), rules, clock=clock)
    assert sender.run() == {}
    assert receiver.requests == []


def test_a_forgotten_customer_has_no_webhook_address(
    engine: Engine, receiver: FakeWebhookReceiver, webhook: WebhookSender, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, external_id = _approved(engine)
    with unit_of_work(engine) as session:
        person = session.query(Customer).filter_by(external_id=external_id).one()
        person.forgotten_at = clock.now
    message_id = schedule(engine, draft_id, clock, rules) or 0
    assert message(engine, message_id).error_code == "no_address"


def test_without_settings_the_message_waits_for_them(
    engine: Engine, receiver: FakeWebhookReceiver, tmp_path: object
) -> None:
    rules, clock = policy(), Clock()
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules) or 0
    sender = Sender(engine, _transports(None, tmp_path), rules, clock=clock)
    assert sender.run() == {"retrying": 1}
    waiting = message(engine, message_id)
    assert (waiting.status, waiting.error_code) == ("scheduled", "not_configured")
    assert receiver.requests == []
