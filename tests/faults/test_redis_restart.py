"""Redis restarted: what is lost, and why no committed work is.

The broker only carries hints: `delivery.schedule_draft` after an approval commits, the
periodic `worker.tick`. Every delivery is re-derived from the database by the next tick
(approved drafts are scheduled, due messages sent), so with Redis' default of no persistence
a restart loses queued tasks but no message. With the append-only file (`appendonly yes`,
as the deployment guide recommends for conversation tasks, which no tick re-derives) the
queue itself survives. And a running worker reconnects to a restarted Redis by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.jobs.registry import TICK_TASK
from assistant.jobs.runners import CeleryRunner, build_runner
from tests.fakes.twilio_server import FakeTwilioServer, running_fake_twilio
from tests.faults.conftest import (
    Database,
    PrivateRedis,
    Workers,
    twilio_env,
    wait_until,
    worker_env,
)
from tests.faults.delivery import all_sent, approved_drafts, assert_each_sent_once

QUEUE = "assistant"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def twilio() -> Iterator[FakeTwilioServer]:
    with running_fake_twilio() as server:
        yield server


def _runner(redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch) -> CeleryRunner:
    """What the API and the CLI enqueue through, on this test's Redis."""
    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis.url)
    monkeypatch.setenv("ASSISTANT_WORKER_QUEUE", QUEUE)
    get_settings.cache_clear()
    runner = build_runner(get_settings())
    assert isinstance(runner, CeleryRunner)
    return runner


def test_tasks_lost_with_an_unpersisted_redis_are_rederived_by_the_tick(
    database: Database,
    redis_server: PrivateRedis,
    workers: Workers,
    twilio: FakeTwilioServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drafts = approved_drafts(database.engine, 6)
    runner = _runner(redis_server, monkeypatch)
    try:
        for draft_id in drafts:
            runner.enqueue("delivery.schedule_draft", draft_id=draft_id)
    finally:
        runner.app.close()
    assert redis_server.queue_length(QUEUE) == len(drafts)

    redis_server.restart()
    assert redis_server.queue_length(QUEUE) == 0  # the queued tasks are gone

    workers.env.update(twilio_env(twilio))
    workers.start()
    wait_until(lambda: all_sent(database.engine, len(drafts)), "every draft sent", log=workers.log)
    assert_each_sent_once(database.engine, twilio, drafts)


def test_a_running_worker_reconnects_to_a_restarted_redis(
    database: Database,
    redis_server: PrivateRedis,
    workers: Workers,
    twilio: FakeTwilioServer,
) -> None:
    first = approved_drafts(database.engine, 3)
    workers.env.update(twilio_env(twilio))
    process = workers.start()
    wait_until(lambda: all_sent(database.engine, len(first)), "first drafts sent", log=workers.log)

    redis_server.restart()
    second = approved_drafts(database.engine, 3)
    wait_until(
        lambda: all_sent(database.engine, len(first) + len(second)),
        "drafts approved after the restart sent by the same worker",
        log=workers.log,
    )
    assert process.poll() is None
    assert_each_sent_once(database.engine, twilio, {**first, **second})


def test_with_the_append_only_file_a_queued_task_survives_a_restart(
    database: Database,
    durable_redis: PrivateRedis,
    twilio: FakeTwilioServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drafts = approved_drafts(database.engine, 2)
    runner = _runner(durable_redis, monkeypatch)
    try:
        runner.enqueue(TICK_TASK)
    finally:
        runner.app.close()
    durable_redis.restart()
    assert durable_redis.queue_length(QUEUE) == 1

    crew = Workers(tmp_path, {**worker_env(database, durable_redis), **twilio_env(twilio)})
    try:
        crew.start("--no-beat")  # no tick of its own: only the queued one can send
        wait_until(
            lambda: all_sent(database.engine, len(drafts)), "the queued tick ran", log=crew.log
        )
    finally:
        crew.kill_all()
    assert_each_sent_once(database.engine, twilio, drafts)
