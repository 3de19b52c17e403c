"""Approval to delivered status through the real twilio client against the fake Twilio API:
exactly once, even when Twilio accepts a message and the answer never comes back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.sender import Sender, Transports
from assistant.models import Customer, DraftState
from assistant.models.base import utcnow
from assistant.wiring import build_email_sender, build_sms_sender
from connectors.twilio.sms import TwilioSmsSender
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import draft_state, message, schedule
from tests.fakes.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilioServer,
    accept_then_hang,
    rate_limited,
    running_fake_twilio,
    twilio_error,
)

PUBLIC = "https://assistant.example.com"
FROM = "+15005550006"


@dataclass
class OffsetClock:
    """Real time (the fake Twilio stamps messages with it), moved on by hand."""

    offset: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
def fake_twilio(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilioServer]:
    with running_fake_twilio() as server:
        for name, value in {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM,
            "TWILIO_API_URL": server.base_url,
            "ASSISTANT_PUBLIC_URL": PUBLIC,
            "ASSISTANT_QUIET_HOURS_START": "00:00",
            "ASSISTANT_QUIET_HOURS_END": "00:00",
            "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


def _policy() -> DeliveryPolicy:
    rules = DeliveryPolicy.from_settings(get_settings())
    assert rules.quiet_hours == QuietHours(time(0), time(0))
    return rules


def _approved(engine: Engine, **customer: object) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session, **customer))
        return draft.id, draft.customer_id


def test_approval_to_delivered_through_the_twilio_sdk(
    engine: Engine, fake_twilio: FakeTwilioServer
) -> None:
    settings, rules, clock = get_settings(), _policy(), OffsetClock()
    sms = build_sms_sender(settings)
    assert isinstance(sms, TwilioSmsSender)
    transports = Transports(sms=sms, email=build_email_sender(settings))
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is not None
    assert Sender(engine, transports, rules, clock=clock).run() == {"sent": 1}

    (create,) = fake_twilio.creates()
    assert create.field("StatusCallback") == PUBLIC + "/webhooks/twilio/status"
    assert create.field("From") == FROM
    sent = message(engine, message_id)
    (stored,) = fake_twilio.messages.values()
    assert (sent.status, sent.provider_status, sent.provider_message_id) == (
        "sent",
        "queued",
        stored.sid,
    )
    assert draft_state(engine, draft_id) == DraftState.SENT

    # Twilio calls back, signed with the account's token, as the carrier reports.
    with TestClient(create_app(engine)) as client:
        for status in ("sent", "delivered"):
            fake_twilio.advance(stored.sid, status)
            params = {"MessageSid": stored.sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID}
            signature = RequestValidator(AUTH_TOKEN).compute_signature(
                PUBLIC + "/webhooks/twilio/status", params
            )
            response = client.post(
                "/webhooks/twilio/status",
                content=urlencode(params),
                headers={
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            assert response.status_code == 200
    assert message(engine, message_id).status == "delivered"
    assert draft_state(engine, draft_id) == DraftState.DELIVERED


def test_accepted_then_timed_out_is_reconciled_not_sent_twice(
    engine: Engine, fake_twilio: FakeTwilioServer
) -> None:
    rules, clock = _policy(), OffsetClock()
    sms = TwilioSmsSender(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_number=FROM,
        status_callback_url=rules.status_callback_url,
        api_url=fake_twilio.base_url,
        timeout=0.5,
    )
    transports = Transports(sms=sms, email=build_email_sender(get_settings()))
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules)
    fake_twilio.enqueue(accept_then_hang(3.0))
    sender = Sender(engine, transports, rules, clock=clock)
    assert sender.run() == {"reconciling": 1}
    assert message(engine, message_id or 0).status == "sending"
    assert len(fake_twilio.messages) == 1  # Twilio has it; we could not know
    clock.offset += rules.backoff(1)
    assert sender.run() == {"reconciled": 1}
    assert len(fake_twilio.creates()) == 1
    (stored,) = fake_twilio.messages.values()
    found = message(engine, message_id or 0)
    assert (found.status, found.provider_message_id) == ("sent", stored.sid)


def test_rate_limit_then_success_sends_one_message(
    engine: Engine, fake_twilio: FakeTwilioServer
) -> None:
    settings, rules, clock = get_settings(), _policy(), OffsetClock()
    transports = Transports(sms=build_sms_sender(settings), email=build_email_sender(settings))
    draft_id, _ = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules)
    fake_twilio.enqueue(rate_limited(retry_after=45))
    sender = Sender(engine, transports, rules, clock=clock)
    assert sender.run() == {"retrying": 1}
    assert message(engine, message_id or 0).error_code == "429"
    clock.offset += timedelta(seconds=45)
    assert sender.run() == {"sent": 1}
    assert len(fake_twilio.creates()) == 2
    assert len(fake_twilio.messages) == 1


def test_twilio_21610_turns_consent_off(engine: Engine, fake_twilio: FakeTwilioServer) -> None:
    settings, rules, clock = get_settings(), _policy(), OffsetClock()
    transports = Transports(sms=build_sms_sender(settings), email=build_email_sender(settings))
    draft_id, customer_id = _approved(engine)
    message_id = schedule(engine, draft_id, clock, rules)
    fake_twilio.enqueue(twilio_error(21610))
    assert Sender(engine, transports, rules, clock=clock).run() == {"cancelled": 1}
    assert message(engine, message_id or 0).status == "cancelled"
    assert draft_state(engine, draft_id) == DraftState.CANCELLED
    with unit_of_work(engine) as session:
        assert session.get_one(Customer, customer_id).sms_consent is False
    assert fake_twilio.messages == {}
