"""A 1:1 answer to a customer's own text needs no marketing consent, within 24 hours only;
never to an opted-out or suppressed customer."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Message, Suppression
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import message, outbox_lines, outbox_transports, schedule, send

NO_CONSENT: dict[str, Any] = {"sms_consent": False, "sms_consent_source": "import"}


def _setup(
    engine: Engine, now: datetime, *, wrote_ago: timedelta | None, playbook: str = "reply",
    suppressed: bool = False, **customer: Any,
) -> int:  # fmt: skip
    with unit_of_work(engine) as session:
        person = add_customer(session, **customer)
        if wrote_ago is not None:
            inbound = Message(
                customer_id=person.id,
                direction="inbound",
                channel="sms",
                kind="conversation",
                status="received",
                body="Is it oven safe?",
            )
            inbound.created_at = now - wrote_ago
            session.add(inbound)
        if suppressed:
            assert person.phone is not None
            session.add(Suppression(channel="sms", address=person.phone, reason="test"))
        return add_draft(session, person, playbook=playbook).id


def test_a_reply_to_a_customer_who_texted_today_goes_out_without_marketing_consent(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), policy()
    draft_id = _setup(engine, clock.now, wrote_ago=timedelta(hours=2), **NO_CONSENT)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is not None and message(engine, message_id).status == "scheduled"
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {"sent": 1}
    assert len(outbox_lines(tmp_path)) == 1


@pytest.mark.parametrize(
    ("case", "fields", "reason"),
    [
        ("over 24 hours ago", {"wrote_ago": timedelta(hours=25), **NO_CONSENT}, "no_consent"),
        ("never wrote", {"wrote_ago": None, **NO_CONSENT}, "no_consent"),
        ("marketing", {"wrote_ago": timedelta(hours=1), "playbook": "upsell", **NO_CONSENT},
         "no_consent"),
        ("STOP", {"wrote_ago": timedelta(hours=1), "sms_consent": False,
                  "sms_consent_source": "sms_keyword"}, "opted_out"),
        ("free text", {"wrote_ago": timedelta(hours=1), "sms_consent": False,
                       "sms_consent_source": "customer_request"}, "opted_out"),
        ("provider 21610", {"wrote_ago": timedelta(hours=1), "sms_consent": False,
                            "sms_consent_source": "provider"}, "opted_out"),
        ("suppressed", {"wrote_ago": timedelta(hours=1), "suppressed": True, **NO_CONSENT},
         "suppressed"),
    ],
)  # fmt: skip
def test_otherwise_nothing_goes_out(
    engine: Engine, tmp_path: Path, case: str, fields: dict[str, Any], reason: str
) -> None:
    clock, rules = Clock(), policy()
    draft_id = _setup(engine, clock.now, **fields)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is not None, case
    stopped = message(engine, message_id)
    assert (stopped.status, stopped.error_code) == ("cancelled", reason), case
    assert send(engine, outbox_transports(tmp_path), clock, rules) == {}
    assert outbox_lines(tmp_path) == []


def test_the_window_is_checked_again_at_send_time(engine: Engine, tmp_path: Path) -> None:
    clock, rules = Clock(), policy()
    draft_id = _setup(engine, clock.now, wrote_ago=timedelta(hours=23), **NO_CONSENT)
    message_id = schedule(engine, draft_id, clock, rules)
    assert message_id is not None and message(engine, message_id).status == "scheduled"
    send(engine, outbox_transports(tmp_path), clock.advance(timedelta(hours=2)), rules)
    assert message(engine, message_id).status == "cancelled"
    assert outbox_lines(tmp_path) == []
