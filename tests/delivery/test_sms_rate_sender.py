"""The sender waits for the rate gate before each SMS, with the message's segment count, and
the fake Twilio gets every message once (the gate's clock is the test's: no real waiting)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rate import LocalRateGate
from assistant.delivery.sender import Sender, Transports
from assistant.drafting.sms_segments import analyse
from assistant.models.base import utcnow
from assistant.wiring import build_email_sender, build_sms_sender
from tests.clocks import SleepingClock
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import schedule
from tests.fakes.twilio_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FakeTwilioServer,
    running_fake_twilio,
)

RATE = 10.0
SHORT = "Your order shipped today. Reply STOP to opt out."
LONG = "Your order shipped today and should arrive by Friday. " * 7  # 378 chars: 3 segments


def real_time() -> datetime:
    """The sender's clock: real time, as the fake Twilio stamps messages with it."""
    return utcnow()


@pytest.fixture
def fake_twilio(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilioServer]:
    with running_fake_twilio() as server:
        for name, value in {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": "+15005550006",
            "TWILIO_API_URL": server.base_url,
            "ASSISTANT_QUIET_HOURS_START": "00:00",
            "ASSISTANT_QUIET_HOURS_END": "00:00",
            "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


def test_messages_go_out_spaced_by_the_rate(engine: Engine, fake_twilio: FakeTwilioServer) -> None:
    assert analyse(SHORT).segments == 1 and analyse(LONG).segments == 3
    settings, clock, gate_clock = get_settings(), real_time, SleepingClock()
    rules = DeliveryPolicy.from_settings(settings)
    bodies = [SHORT, SHORT, SHORT, LONG, SHORT]
    for body in bodies:
        with unit_of_work(engine) as session:
            draft_id = add_draft(session, add_customer(session), body=body).id
        assert schedule(engine, draft_id, clock, rules) is not None
    gate = LocalRateGate(RATE, clock=gate_clock, sleep=gate_clock.sleep)
    transports = Transports(sms=build_sms_sender(settings), email=build_email_sender(settings))
    sender = Sender(engine, transports, rules, clock=clock, rate=gate)

    assert sender.run() == {"sent": len(bodies)}
    # One slot (0.1 s) per short SMS; the long one waits for its last segment's slot (0.3 s)
    # and the next waits out its three (0.3 s).
    assert gate_clock.slept == [0.1, 0.1, 0.3, 0.3]
    assert [create.field("Body") for create in fake_twilio.creates()] == bodies
