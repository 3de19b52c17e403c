"""Slack posts paced per channel across processes: two pacers (two workers) on one Redis take
turns on a channel, a 429's hold is seen by both, and without Redis pacing stays in-process.

The clock is the test's own (sleeping moves it on), so nothing depends on real time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from assistant.config import get_settings
from connectors.slack.pacing import RedisChannelPacer, build_pacer
from connectors.slack.transport import ChannelPacer
from tests.clocks import SleepingClock


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    name = f"assistant-test:{uuid.uuid4().hex[:12]}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{name}*"):
        client.delete(key)
    client.close()


def _pacer(redis_url: str, prefix: str, clock: SleepingClock) -> RedisChannelPacer:
    client = redis.Redis.from_url(redis_url)
    return RedisChannelPacer(client, 1.0, prefix=prefix, clock=clock, sleep=clock.sleep)


def test_two_processes_take_turns_on_a_channel(redis_url: str, prefix: str) -> None:
    clock = SleepingClock()
    first, second = _pacer(redis_url, prefix, clock), _pacer(redis_url, prefix, clock)
    first.wait("C1", post=True)
    second.wait("C1", post=True)  # the slot after the first's
    second.wait("C2", post=True)  # another channel waits for nobody
    first.wait("C1", post=False)  # an update books nothing and waits for no post
    first.wait("C1", post=True)
    assert clock.slept == [1.0, 1.0]
    second.hold("C1", 5.0)  # Slack said Retry-After: 5 to the second
    first.wait("C1", post=True)
    assert clock.slept == [1.0, 1.0, 5.0]


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "in-process"])
def test_an_update_waits_for_a_hold_never_behind_queued_posts(
    redis_url: str, prefix: str, shared: bool
) -> None:
    """A reviewer's click updates its card at once while a backlog of cards is being posted
    (each post booked its slot a second after the last); only Slack's Retry-After holds it."""
    clock = SleepingClock()
    pacer = (
        _pacer(redis_url, prefix, clock)
        if shared
        else ChannelPacer(1.0, clock=clock, sleep=clock.sleep)
    )
    for _ in range(50):  # fifty posts booked: the last slot is 49 s away
        pacer.wait("C1", post=True)
        clock.now -= clock.slept.pop() if clock.slept else 0.0  # booked, not yet slept
    pacer.wait("C1", post=False)
    assert clock.slept == []
    pacer.hold("C1", 3.0)
    pacer.wait("C1", post=False)
    assert clock.slept == [3.0]


def test_without_redis_posts_are_paced_in_process(caplog: pytest.LogCaptureFixture) -> None:
    clock = SleepingClock()
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    pacer = RedisChannelPacer(unreachable, 1.0, clock=clock, sleep=clock.sleep)
    pacer.wait("C1", post=True)
    pacer.wait("C1", post=True)
    assert clock.slept == [1.0]
    assert "slack.pacer_unavailable" in caplog.text


def test_the_pacer_is_shared_only_with_a_redis_broker(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(build_pacer(get_settings()), ChannelPacer)
    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_url)
    get_settings.cache_clear()
    assert isinstance(build_pacer(get_settings()), RedisChannelPacer)
    monkeypatch.setenv("ASSISTANT_BROKER_URL", "amqp://guest@127.0.0.1//")
    get_settings.cache_clear()
    assert isinstance(build_pacer(get_settings()), ChannelPacer)
