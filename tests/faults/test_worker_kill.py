"""kill -9 a Celery worker in the middle of a sending batch, restart it, twenty times: every
approved message reaches Twilio exactly once.

The worker (`assistant worker`, beat included) runs on PostgreSQL and a private Redis, and
sends through the real twilio client to the fake Twilio API, which stores each created
message and waits a little before answering, so a kill lands before a request, while Twilio
holds a message whose answer never arrives, or between the answer and its record. Each
cycle waits until Twilio has seen a random 1-3 new messages, waits a random moment more, and
kills the worker's process group. The restarted worker reconciles the dead one's claims
once their (2 s) lease expires.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

import pytest

from tests.fakes.twilio_server import FakeTwilioServer, running_fake_twilio
from tests.faults.conftest import Database, Workers, twilio_env, wait_until
from tests.faults.delivery import all_sent, approved_drafts, assert_each_sent_once

KILLS = 20
# Each cycle sends at most about six (1-3 awaited, a few more while the kill comes).
MESSAGES = 130

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _reached(twilio: FakeTwilioServer, creates: int, database: Database) -> Callable[[], bool]:
    """Twilio has seen `creates` messages (or there is nothing left to send)."""
    return lambda: len(twilio.creates()) >= creates or all_sent(database.engine, MESSAGES)


def test_a_worker_killed_mid_batch_twenty_times_sends_each_message_once(
    database: Database, workers: Workers
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    drafts = approved_drafts(database.engine, MESSAGES)
    with running_fake_twilio() as twilio:
        twilio.latency = 0.05
        workers.env.update(twilio_env(twilio))
        mid_batch = 0
        for _ in range(KILLS):
            before = len(twilio.creates())
            wanted = before + rng.randint(1, 3)
            process = workers.start()
            wait_until(
                _reached(twilio, wanted, database),
                f"the worker sent again (seed {seed})",
                log=workers.log,
            )
            mid_batch += len(twilio.creates()) > before
            # Kill before the next request, during it, or after Twilio answered it.
            time.sleep(rng.uniform(0, 2 * twilio.latency))
            workers.kill(process)
            assert process.returncode == -9
        assert mid_batch == KILLS, f"only {mid_batch} kills hit a sending worker (seed {seed})"
        process = workers.start()
        wait_until(
            lambda: all_sent(database.engine, MESSAGES),
            f"every message sent after the kills (seed {seed})",
            log=workers.log,
        )
        workers.kill(process)
        assert_each_sent_once(database.engine, twilio, drafts)
