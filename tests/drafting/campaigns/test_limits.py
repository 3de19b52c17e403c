"""The rate limiter (RPM and TPM on a fake clock) and retries with backoff and Retry-After."""

from __future__ import annotations

import asyncio
import random

import pytest

from assistant.drafting.ratelimit import RateLimiter, TokenBucket
from assistant.drafting.retry import MAX_RETRY_AFTER, Backoff, with_retries
from assistant.ports import (
    DrafterBadOutput,
    DrafterError,
    DrafterRateLimited,
    DrafterRefused,
    DrafterUnavailable,
)


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def most_in_any_window(times: list[float], amounts: list[float], window: float = 60.0) -> float:
    """The largest total admitted within any `window` seconds."""
    best, start, total = 0.0, 0, 0.0
    for end, at in enumerate(times):
        total += amounts[end]
        while times[start] <= at - window:
            total -= amounts[start]
            start += 1
        best = max(best, total)
    return best


def admit(
    limiter: RateLimiter, clock: FakeClock, costs: list[int], workers: int = 8
) -> list[float]:
    """Admit one request per cost from `workers` concurrent tasks; the admission times."""
    times: list[float] = []
    queue = list(costs)

    async def worker() -> None:
        while queue:
            cost = queue.pop(0)
            await limiter.acquire(cost)
            times.append(clock())

    async def main() -> None:
        await asyncio.gather(*(worker() for _ in range(workers)))

    asyncio.run(main())
    return times


@pytest.mark.parametrize("rpm", [1, 2, 30, 60, 500, 3000])
def test_requests_per_minute_hold_in_every_window(rpm: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rpm, 10**9, clock=clock, sleep=clock.sleep)
    count = max(3 * rpm, 6)
    times = admit(limiter, clock, [1] * count)
    assert len(times) == count
    peak = most_in_any_window(times, [1.0] * count)
    assert peak <= max(rpm, 2)
    # And not needlessly slow: the long-run rate is close to the limit.
    if rpm >= 30:
        assert (times[-1] - times[0]) / 60 <= count / rpm * 1.05


def test_tokens_per_minute_hold_in_every_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10**6, 60_000, clock=clock, sleep=clock.sleep)
    costs = [random.Random(7).randint(300, 900) for _ in range(400)]
    times = admit(limiter, clock, costs)
    assert most_in_any_window(times, [float(c) for c in costs]) <= 60_000
    assert (times[-1] - times[0]) / 60 <= sum(costs) / 60_000 * 1.05


def test_settling_real_usage_gives_back_or_charges_tokens() -> None:
    clock = FakeClock()
    bucket = TokenBucket(6000, clock())  # 100 a second, burst 100
    bucket.take(100, clock())
    assert bucket.wait_for(50, clock()) == pytest.approx(50 / bucket.rate)
    bucket.adjust(-80, clock())  # used 80 fewer than estimated
    assert bucket.wait_for(50, clock()) == 0
    limiter = RateLimiter(600, 6000, clock=clock, sleep=clock.sleep)
    asyncio.run(limiter.acquire(100))
    limiter.settle(estimated=100, actual=300)  # the answer was longer than expected
    assert limiter.tokens.level == pytest.approx(-200)


def test_a_pause_holds_every_request_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(6000, 10**9, clock=clock, sleep=clock.sleep)
    limiter.pause(2.5)
    started = clock()
    asyncio.run(limiter.acquire(10))
    assert clock() - started >= 2.5


def retrying(
    errors: list[DrafterError | None], backoff: Backoff
) -> tuple[object, list[float], int]:
    clock = FakeClock()
    calls = 0

    async def call() -> str:
        nonlocal calls
        error = errors[calls] if calls < len(errors) else None
        calls += 1
        if error is not None:
            raise error
        return "drafted"

    async def main() -> object:
        return await with_retries(call, backoff, sleep=clock.sleep, rng=random.Random(1))

    try:
        result: object = asyncio.run(main())
    except DrafterError as exc:
        result = exc
    return result, clock.sleeps, calls


def test_retry_after_is_honoured() -> None:
    backoff = Backoff(max_retries=5, base=0.1, cap=1.0)
    storm = [DrafterRateLimited("429", retry_after=3.0), DrafterRateLimited("429", retry_after=7.5)]
    result, sleeps, calls = retrying([*storm, None], backoff)
    assert result == "drafted" and calls == 3
    assert sleeps[0] >= 3.0 and sleeps[1] >= 7.5
    huge = [DrafterRateLimited("429", retry_after=86_400)]
    _, sleeps, _ = retrying(huge, backoff)
    assert sleeps == [MAX_RETRY_AFTER]


def test_backoff_is_exponential_with_full_jitter() -> None:
    backoff = Backoff(max_retries=6, base=0.5, cap=4.0)
    rng = random.Random(3)
    for retry in range(8):
        ceiling = min(4.0, 0.5 * 2**retry)
        waits = [backoff.delay(retry, None, rng) for _ in range(200)]
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.8  # the whole range is used: full jitter


def test_retryable_errors_are_retried_up_to_the_limit_and_refusals_never() -> None:
    backoff = Backoff(max_retries=2, base=0.01, cap=0.1)
    result, sleeps, calls = retrying([DrafterUnavailable("503")] * 5, backoff)
    assert isinstance(result, DrafterUnavailable) and calls == 3 and len(sleeps) == 2
    result, _, calls = retrying([DrafterBadOutput("not JSON"), None], backoff)
    assert result == "drafted" and calls == 2
    result, sleeps, calls = retrying([DrafterRefused("401")], backoff)
    assert isinstance(result, DrafterRefused) and calls == 1 and sleeps == []
