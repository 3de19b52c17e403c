"""Twilio down for a while, across the evening's quiet-hours boundary: the message waits (it
is never failed), is not sent at night, and goes out once the next morning's window opens.

The sender runs in this process on a clock the test moves (to each retry's due time), with
the real twilio client against the fake Twilio API: first the server is gone (connection
refused), then it answers 503 until the customer's 20:00 passes, then it is healthy again
but the customer is asleep. Only at 09:00 their time does the message go out, once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.sender import Sender, Transports
from assistant.wiring import build_sms_sender
from connectors.outbox import OutboxEmailSender
from tests.delivery.factories import Clock, add_customer, add_draft
from tests.delivery.helpers import message, schedule
from tests.fakes.twilio_server import FakeTwilioServer, server_error
from tests.faults.conftest import PUBLIC, Database, twilio_env

NEW_YORK = ZoneInfo("America/New_York")
# 19:40 in New York (EDT), twenty minutes before quiet hours (20:00-09:00) begin.
EVENING = datetime(2026, 3, 10, 19, 40, tzinfo=NEW_YORK).astimezone(UTC)

pytestmark = [pytest.mark.postgres]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(NEW_YORK)


def test_twilio_down_into_the_night_the_message_waits_for_the_morning(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twilio = FakeTwilioServer().start()
    try:
        for name, value in {**twilio_env(twilio), "ASSISTANT_PUBLIC_URL": PUBLIC}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        rules = DeliveryPolicy.from_settings(get_settings())  # quiet hours 20:00-09:00
        clock = Clock(EVENING)
        transports = Transports(
            sms=build_sms_sender(get_settings()), email=OutboxEmailSender(tmp_path)
        )
        sender = Sender(database.engine, transports, rules, clock=clock)
        with unit_of_work(database.engine) as session:
            draft = add_draft(session, add_customer(session, timezone="America/New_York"))
        message_id = schedule(database.engine, draft.id, clock, rules)
        assert message_id is not None
        outcomes: Counter[str] = Counter()

        def run_when_due() -> datetime:
            """Move the clock to the message's next try and run the sender; its next try."""
            due = message(database.engine, message_id).scheduled_for
            assert due is not None
            clock.now = max(clock.now, due)
            outcomes.update(sender.run())
            waiting = message(database.engine, message_id)
            assert waiting.status in ("scheduled", "sending"), waiting.error_code
            assert waiting.scheduled_for is not None
            return waiting.scheduled_for

        port = int(twilio.base_url.rsplit(":", 1)[1])
        twilio.stop()  # down: nothing listens on its port
        ten_to_eight = datetime(2026, 3, 10, 19, 50, tzinfo=NEW_YORK)
        next_try = run_when_due()
        while next_try < ten_to_eight:
            next_try = run_when_due()
        refused = outcomes["retrying"] + outcomes["reconciling"]
        assert refused >= 3

        twilio = FakeTwilioServer(port=port).start()  # back, but answering 503
        twilio.enqueue(*[server_error(503) for _ in range(50)])
        next_try = run_when_due()
        while _local(next_try).hour != 9:  # until quiet hours defer it to the morning
            next_try = run_when_due()
        assert outcomes["deferred"] == 1
        assert twilio.creates() and not twilio.messages  # every try refused, nothing stored
        night_tries = len(twilio.creates())
        twilio.stop()

        twilio = FakeTwilioServer(port=port).start()  # healthy, in the middle of the night
        clock.now = datetime(2026, 3, 10, 23, 30, tzinfo=NEW_YORK).astimezone(UTC)
        assert sender.run() == Counter()
        clock.now = next_try - timedelta(minutes=1)
        assert sender.run() == Counter()
        assert not twilio.requests

        clock.now = next_try  # 09:00 the next morning
        got = sender.run()
        assert got == Counter({"sent": 1}), message(database.engine, message_id).error_message
        sent = message(database.engine, message_id)
        assert sent.status == "sent" and sent.sent_at is not None
        assert _local(sent.sent_at).date() == datetime(2026, 3, 11).date()
        assert _local(sent.sent_at).hour == 9
        (stored,) = twilio.messages.values()
        assert sent.provider_message_id == stored.sid
        assert sent.attempts <= rules.max_attempts
        assert night_tries >= 1
    finally:
        twilio.stop()
