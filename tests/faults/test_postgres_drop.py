"""PostgreSQL drops the worker's connections again and again while it sends: the worker
recovers by itself and every message goes out exactly once.

The worker's connections carry their own `application_name`; each time Twilio has seen a
new message since the last drop, the test terminates all of them
(`pg_terminate_backend`): every other time while they sit idle in the pool, and every other
time in the middle of a transaction (the test holds every customer's row lock until a worker
transaction waits on one, then drops it). A tick that fails is
logged and the next one starts on fresh connections (`pool_pre_ping`); a message whose
record was lost with its connection stays `sending` until its lease expires and is then
reconciled with Twilio, not sent again.
"""

from __future__ import annotations

import time

import pytest

from tests.fakes.twilio_server import running_fake_twilio
from tests.faults.conftest import PATIENCE, Database, Workers, twilio_env
from tests.faults.delivery import all_sent, approved_drafts, assert_each_sent_once

MESSAGES = 60
DROPS = 10
# The wait is bounded by a count of polls (about 2 x PATIENCE of sleeping), not by the clock.
POLL = 0.05
MAX_POLLS = int(2 * PATIENCE / POLL)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_connections_dropped_under_load_the_worker_recovers_and_sends_once(
    database: Database, workers: Workers
) -> None:
    drafts = approved_drafts(database.engine, MESSAGES)
    with running_fake_twilio() as twilio:
        twilio.latency = 0.05
        workers.env.update(twilio_env(twilio))
        workers.start()
        drops = 0
        seen = 0
        for _ in range(MAX_POLLS):
            if all_sent(database.engine, MESSAGES):
                break
            creates = len(twilio.creates())
            if creates > seen and drops < DROPS:
                seen = creates
                if drops % 2:
                    dropped = database.drop_worker_connections_mid_transaction(
                        lambda: all_sent(database.engine, MESSAGES)
                    )
                else:
                    dropped = database.drop_worker_connections()
                drops += dropped > 0
            time.sleep(POLL)
        else:
            pytest.fail("not all sent:\n" + workers.log.read_text()[-4000:])
        assert drops == DROPS, f"only {drops} drops hit worker connections"
        assert_each_sent_once(database.engine, twilio, drafts)
    # Nobody had to step in: the same worker process did it all, through failed ticks.
    assert len(workers.started) == 1 and workers.started[0].poll() is None
    assert "terminating connection due to administrator command" in workers.log.read_text()
