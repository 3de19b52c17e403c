"""One tick at a time across processes: a tick that finds another running skips, and says so."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.jobs.locks import exclusive
from assistant.jobs.periodic import SWEEP_TASK
from assistant.jobs.registry import TICK_TASK, get_task

JOIN_SECONDS = 30


@pytest.fixture(autouse=True)
def _any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_END", "00:00")
    monkeypatch.setenv("ASSISTANT_SMS_LEGAL_WINDOWS", "false")
    get_settings.cache_clear()


def test_a_tick_overlapping_another_skips(engine: Engine) -> None:
    tick = get_task(TICK_TASK)
    if engine.dialect.name != "postgresql":
        # SQLite runs one worker by design: there is nothing to exclude.
        with exclusive(engine, TICK_TASK) as held, exclusive(engine, TICK_TASK) as again:
            assert held and again
        return
    holding, release = threading.Event(), threading.Event()

    def other_tick() -> None:
        # Another process's tick, mid-round: it holds the lock until told to finish.
        with exclusive(engine, TICK_TASK) as held:
            assert held
            holding.set()
            release.wait(JOIN_SECONDS)

    other = threading.Thread(target=other_tick)
    other.start()
    try:
        assert holding.wait(JOIN_SECONDS)
        assert tick() == {"skipped": "another tick is running"}
    finally:
        release.set()
        other.join(JOIN_SECONDS)
    assert not other.is_alive()
    ran = tick()
    assert "skipped" not in ran and ran["scheduled"] == 0 and ran["campaigns_resumed"] == 0


def test_the_lock_is_per_name(engine: Engine) -> None:
    with exclusive(engine, "tests.one") as one, exclusive(engine, "tests.two") as two:
        assert one and two


def test_with_a_broker_card_posting_is_queued_not_run_in_the_tick(
    engine: Engine, redis_url: str, queue_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_url)
    monkeypatch.setenv("ASSISTANT_WORKER_QUEUE", queue_name)
    monkeypatch.setenv("ASSISTANT_REVIEW", "slack")
    # Only the card sweep here; the daily trigger run it may queue: tests/triggers/test_broker.py
    monkeypatch.setenv("ASSISTANT_TRIGGERS_DAILY", "false")
    get_settings.cache_clear()
    client = redis.Redis.from_url(redis_url)
    try:
        ran = get_task(TICK_TASK)()
        assert ran["cards_posted"] == "queued"
        (queued,) = client.lrange(queue_name, 0, -1)
        assert json.loads(queued)["headers"]["task"] == SWEEP_TASK
    finally:
        client.delete(queue_name)
        client.close()
    # The task itself: nothing to post without Slack settings, and it says how many.
    assert get_task(SWEEP_TASK)() == {"cards_posted": 0}
