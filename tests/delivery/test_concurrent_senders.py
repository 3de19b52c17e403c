"""Several senders at once on PostgreSQL, against the fake Twilio API: every message is sent
exactly once (counted at the provider), and no tick dies of a deadlock.

Each sender thread runs what the worker's tick runs (schedule approved drafts, then send
what is due) until nothing is left; customers have several messages each, so claims meet on
the same customer rows as well as on the same messages.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from assistant.db import build_engine, unit_of_work
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.sender import Sender, Transports
from assistant.delivery.tasks import schedule_pending
from assistant.models import Message
from connectors.outbox import OutboxEmailSender
from connectors.twilio.sms import TwilioSmsSender
from tests.conftest import fresh_postgres_schema, migrate_like_alembic
from tests.delivery.factories import add_customer, add_draft, policy
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, running_fake_twilio

SENDERS = 4
CUSTOMERS = 100
PER_CUSTOMER = 3
JOIN_SECONDS = 120


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    with fresh_postgres_schema("send") as url:
        engine = build_engine(url)
        try:
            migrate_like_alembic(engine)
            yield engine
        finally:
            engine.dispose()


def _approved(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        for _ in range(CUSTOMERS):
            customer = add_customer(session)
            for _ in range(PER_CUSTOMER):
                add_draft(session, customer)


@pytest.mark.slow
@pytest.mark.postgres
def test_senders_in_parallel_send_each_message_once_without_deadlocks(
    pg_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    rules = policy(
        quiet_hours=QuietHours(time(0), time(0)),
        legal_windows=False,
        frequency_cap=10,
        contact_cap=10,
        batch=25,
    )
    _approved(pg_engine)
    errors: list[BaseException] = []
    with running_fake_twilio() as twilio:

        def loop() -> None:
            sms = TwilioSmsSender(
                account_sid=ACCOUNT_SID,
                auth_token=AUTH_TOKEN,
                from_number="+15005550006",
                api_url=twilio.base_url,
            )
            transports = Transports(sms=sms, email=OutboxEmailSender(tmp_path))
            sender = Sender(pg_engine, transports, rules)
            try:
                while True:
                    scheduled = schedule_pending(pg_engine, rules, clock=sender.clock)
                    if not sender.run() and not scheduled:
                        return
            except BaseException as exc:  # the test fails on any, below
                errors.append(exc)

        threads = [threading.Thread(target=loop, name=f"sender-{n}") for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=JOIN_SECONDS)
        assert not any(thread.is_alive() for thread in threads), "a sender did not finish"
        creates = Counter((r.field("To"), r.field("Body")) for r in twilio.creates())

    assert errors == []
    assert "DeadlockDetected" not in caplog.text and "deadlock" not in caplog.text.lower()
    total = CUSTOMERS * PER_CUSTOMER
    assert len(creates) == total and set(creates.values()) == {1}
    with unit_of_work(pg_engine) as session:
        statuses = dict(
            session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
        )
    assert statuses == {"sent": total}
