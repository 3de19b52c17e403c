"""With a broker, the tick queues `triggers.daily` (expiring with the tick) instead of
running it, until the day's run exists."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.jobs.registry import TICK_TASK, get_task
from assistant.triggers.tasks import DAILY_TASK
from tests.jobs.conftest import queue_name, redis_url

__all__ = ["queue_name", "redis_url"]  # the fixtures, from the jobs tests


def test_the_tick_queues_the_daily_run_on_the_broker(
    engine: Engine, redis_url: str, queue_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_url)
    monkeypatch.setenv("ASSISTANT_WORKER_QUEUE", queue_name)
    monkeypatch.setenv("ASSISTANT_TRIGGERS_HOUR", "0")
    get_settings.cache_clear()
    client = redis.Redis.from_url(redis_url)
    try:
        assert get_task(TICK_TASK)()["triggers"] == "queued"
        (queued,) = client.lrange(queue_name, 0, -1)
        headers = json.loads(queued)["headers"]
        assert headers["task"] == DAILY_TASK
        assert headers["expires"] is not None
    finally:
        client.delete(queue_name)
        client.close()
    # The worker runs it; the next tick finds the day done.
    monkeypatch.delenv("ASSISTANT_BROKER_URL")
    get_settings.cache_clear()
    assert "queued" in get_task(DAILY_TASK)()
    assert get_task(TICK_TASK)()["triggers"] == "done"
