"""Kill the sender between any two steps, restart it: every message is delivered exactly once.

The steps are every database commit (just before it: the transaction is lost) and the
provider call (before it, and after the provider accepted but before the answer came back);
dying just after a step is dying just before the next one. A first run
lists them; then, for each step, a fresh message's sender dies there (`ProcessDeath`, which
nothing catches), and restarted senders run until nothing is due. The outbox files are the
deliveries: exactly one line per message, and the message records that line's id.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.quiet_hours import QuietHours
from assistant.delivery.sender import Sender, Transports
from assistant.models import DraftState
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import draft_state, message, outbox_lines, schedule
from tests.delivery.transports import (
    FaultyEmail,
    FaultySms,
    Killer,
    ProcessDeath,
    commits_watched,
)

# Restarts move the clock on by hours; quiet hours would only defer, so there are none here.
ALWAYS_OPEN = policy(quiet_hours=QuietHours(time(0), time(0)), legal_windows=False)


def _transports(directory: Path, killer: Killer) -> Transports:
    return Transports(sms=FaultySms(directory, killer), email=FaultyEmail(directory, killer))


def _new_message(engine: Engine, clock: Clock, rules: DeliveryPolicy, channel: str) -> int:
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), channel=channel)
    message_id = schedule(engine, draft.id, clock, rules)
    assert message_id is not None
    return message_id


def _run(
    engine: Engine, directory: Path, clock: Clock, rules: DeliveryPolicy, killer: Killer
) -> bool:
    """One sender process; True if it died."""
    with commits_watched(engine, killer):
        try:
            Sender(engine, _transports(directory, killer), rules, clock=clock).run()
        except ProcessDeath:
            return True
    return False


def _restart_until_quiet(
    engine: Engine, directory: Path, clock: Clock, rules: DeliveryPolicy
) -> None:
    for _ in range(4):
        clock.advance(rules.lease + timedelta(seconds=1))  # whatever was claimed has expired
        _run(engine, directory, clock, rules, Killer())


def _assert_exactly_once(engine: Engine, directory: Path, message_id: int, channel: str) -> None:
    sent = message(engine, message_id)
    lines = [
        line
        for line in outbox_lines(directory, channel)
        if line["idempotency_key"] == sent.idempotency_key
    ]
    assert len(lines) == 1, f"{len(lines)} deliveries of message {message_id}"
    assert sent.status == "delivered"
    assert sent.provider_message_id == lines[0]["id"]
    assert sent.draft_id is not None
    assert draft_state(engine, sent.draft_id) == DraftState.DELIVERED


def _clean_steps(
    engine: Engine, tmp_path: Path, clock: Clock, rules: DeliveryPolicy, channel: str
) -> list[str]:
    message_id = _new_message(engine, clock, rules, channel)
    killer = Killer()
    directory = tmp_path / "clean"
    assert not _run(engine, directory, clock, rules, killer)
    _assert_exactly_once(engine, directory, message_id, channel)
    return killer.steps


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_crash_at_any_step_still_delivers_exactly_once(
    engine: Engine, tmp_path: Path, channel: str
) -> None:
    clock, rules = Clock(), ALWAYS_OPEN
    steps = _clean_steps(engine, tmp_path, clock, rules, channel)
    assert "send_call" in steps and "provider_accepted" in steps
    for at in range(1, len(steps) + 1):
        directory = tmp_path / f"crash-{at}"
        message_id = _new_message(engine, clock, rules, channel)
        assert _run(engine, directory, clock, rules, Killer(at)), steps[at - 1]
        _restart_until_quiet(engine, directory, clock, rules)
        _assert_exactly_once(engine, directory, message_id, channel)


def test_a_second_crash_during_recovery_still_delivers_exactly_once(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), ALWAYS_OPEN
    steps = _clean_steps(engine, tmp_path, clock, rules, "sms")
    for first in range(1, len(steps) + 1):
        # The recovery after this first crash, step by step.
        probe_dir = tmp_path / f"probe-{first}"
        probe = _new_message(engine, clock, rules, "sms")
        assert _run(engine, probe_dir, clock, rules, Killer(first))
        clock.advance(rules.lease + timedelta(seconds=1))
        recovery = Killer()
        _run(engine, probe_dir, clock, rules, recovery)
        _restart_until_quiet(engine, probe_dir, clock, rules)
        _assert_exactly_once(engine, probe_dir, probe, "sms")
        for second in range(1, len(recovery.steps) + 1):
            directory = tmp_path / f"crash-{first}-{second}"
            message_id = _new_message(engine, clock, rules, "sms")
            assert _run(engine, directory, clock, rules, Killer(first))
            clock.advance(rules.lease + timedelta(seconds=1))
            assert _run(engine, directory, clock, rules, Killer(second))
            _restart_until_quiet(engine, directory, clock, rules)
            _assert_exactly_once(engine, directory, message_id, "sms")


def test_a_crash_after_the_provider_accepted_is_reconciled_not_resent(
    engine: Engine, tmp_path: Path
) -> None:
    clock, rules = Clock(), ALWAYS_OPEN
    steps = _clean_steps(engine, tmp_path, clock, rules, "sms")
    message_id = _new_message(engine, clock, rules, "sms")
    killer = Killer(steps.index("provider_accepted") + 1)
    assert _run(engine, tmp_path, clock, rules, killer)
    stuck = message(engine, message_id)
    assert (stuck.status, stuck.attempts) == ("sending", 1)
    # Before the lease runs out, nobody touches it (the first sender may still be working).
    assert _run(engine, tmp_path, clock.advance(timedelta(minutes=1)), rules, Killer()) is False
    assert message(engine, message_id).status == "sending"
    clock.advance(rules.lease)
    transports = _transports(tmp_path, Killer())
    Sender(engine, transports, rules, clock=clock).run()
    sms = transports.sms
    assert isinstance(sms, FaultySms)
    assert (sms.finds, sms.sends) == (1, 0)  # asked the provider, did not send again
    _assert_exactly_once(engine, tmp_path, message_id, "sms")
