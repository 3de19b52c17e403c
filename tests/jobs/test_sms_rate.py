"""SMS sent at the provider account's rate (ASSISTANT_SMS_RATE) across processes: two gates
(two workers) on one Redis book slots back to back and never more than the rate in any
second, a long SMS takes one slot per segment, and without Redis the gate stays in-process.

The clock is the test's own (sleeping moves it on), so nothing depends on real time.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator

import pytest
import redis

from assistant.config import get_settings
from assistant.delivery.rate import LocalRateGate, NoLimit, RedisRateGate, build_rate_gate
from tests.clocks import SleepingClock

RATE = 10.0


@pytest.fixture
def key(redis_url: str) -> Iterator[str]:
    """A key of this test's own, deleted afterwards."""
    name = f"assistant-test:{uuid.uuid4().hex[:12]}:sms-rate"
    yield name
    client = redis.Redis.from_url(redis_url)
    client.delete(name)
    client.close()


def _gate(redis_url: str, key: str, clock: SleepingClock) -> RedisRateGate:
    client = redis.Redis.from_url(redis_url)
    return RedisRateGate(client, RATE, key=key, clock=clock, sleep=clock.sleep)


def _busiest_second(sends: list[tuple[float, int]]) -> int:
    """The most segments sent within any one-second window [t, t + 1)."""
    return max(
        sum(k for other, k in sends if start - 1e-9 <= other < start + 1 - 1e-9)
        for start, _ in sends
    )


def _saturate(
    gates: list[RedisRateGate], clock: SleepingClock, sizes: list[int]
) -> list[tuple[float, int]]:
    """Each gate sends its next message as soon as its last one went out (a queue of work
    on every worker); the sends as (when, segments)."""
    ready = [clock.now] * len(gates)
    sends = []
    for segments in sizes:
        turn = min(range(len(gates)), key=lambda i: ready[i])
        clock.now = max(clock.now, ready[turn])
        _, start = gates[turn].book(segments)
        sends.append((start, segments))
        ready[turn] = start
    return sends


def test_two_gates_send_back_to_back_at_the_rate(redis_url: str, key: str) -> None:
    clock = SleepingClock()
    gates = [_gate(redis_url, key, clock), _gate(redis_url, key, clock)]
    sends = _saturate(gates, clock, [1] * 200)
    starts = sorted(start for start, _ in sends)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(starts)}
    assert gaps == {1 / RATE}  # back to back: 100 % of the rate, one slot each
    assert _busiest_second(sends) == RATE


def test_long_messages_never_push_a_second_above_the_rate(redis_url: str, key: str) -> None:
    clock = SleepingClock()
    gates = [_gate(redis_url, key, clock), _gate(redis_url, key, clock)]
    sizes = [random.Random(n).choice((1, 1, 2, 3, 4)) for n in range(300)]
    sends = _saturate(gates, clock, sizes)
    assert _busiest_second(sends) <= RATE


def test_a_three_segment_sms_takes_three_slots(redis_url: str, key: str) -> None:
    clock = SleepingClock()
    first, second = _gate(redis_url, key, clock), _gate(redis_url, key, clock)
    first.wait(1)  # at once; the next slot is 0.1 s on
    second.wait(3)  # its last segment's slot is 0.3 s on: sent then, books 0.3 s after
    first.wait(1)
    assert clock.slept == [0.3, 0.3]


def test_without_redis_sends_are_gated_in_process(caplog: pytest.LogCaptureFixture) -> None:
    clock = SleepingClock()
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    gate = RedisRateGate(unreachable, RATE, clock=clock, sleep=clock.sleep)
    gate.wait(1)
    gate.wait(1)
    gate.wait(2)
    assert clock.slept == [0.1, 0.2]
    assert caplog.text.count("delivery.rate_gate_unavailable") == 1  # said once


def test_the_gate_follows_the_settings(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_BROKER_URL", raising=False)
    for unset in ("", "0"):
        monkeypatch.setenv("ASSISTANT_SMS_RATE", unset)
        get_settings.cache_clear()
        assert isinstance(build_rate_gate(get_settings()), NoLimit)
    monkeypatch.setenv("ASSISTANT_SMS_RATE", "10")
    get_settings.cache_clear()
    local = build_rate_gate(get_settings())
    assert isinstance(local, LocalRateGate) and local.rate == RATE
    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_url)
    get_settings.cache_clear()
    assert isinstance(build_rate_gate(get_settings()), RedisRateGate)
