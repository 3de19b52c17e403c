"""Requests-per-minute and tokens-per-minute limits, as two async token buckets.

Each bucket holds at most one second's worth of its limit (a small burst, as providers
enforce limits over short intervals) and refills at (limit - burst) per minute, so no
60-second window ever admits more than the limit. A request's tokens are estimated up
front (prompt plus expected output) and settled when the real usage is known. A 429 with
Retry-After pauses the whole limiter, so concurrent workers do not keep hammering.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
EPSILON = 1e-9
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """A bucket of `per_minute` units: burst of one second's worth, refilled continuously."""

    def __init__(self, per_minute: float, now: float) -> None:
        if per_minute <= 0:
            raise ValueError("a per-minute limit must be positive")
        self.per_minute = float(per_minute)
        self.capacity = max(1.0, self.per_minute / 60)
        # Burst + refill over any 60 s stays within the limit (a limit of 1 still refills).
        self.rate = max(self.per_minute - self.capacity, min(self.per_minute, 1.0)) / 60
        self.level = self.capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
            self.updated = now

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until `amount` can be taken (0 if now). A request bigger than the
        burst waits for a full bucket and leaves it in debt."""
        self._refill(now)
        needed = min(amount, self.capacity)
        # A hair of tolerance: float rounding must not leave a 1e-15 s wait forever.
        return 0.0 if self.level >= needed - EPSILON else (needed - self.level) / self.rate

    def take(self, amount: float, now: float) -> None:
        self._refill(now)
        self.level -= amount

    def adjust(self, amount: float, now: float) -> None:
        """Give back (negative) or charge (positive) `amount` after the fact."""
        self._refill(now)
        self.level = min(self.capacity, self.level - amount)


class RateLimiter:
    """Admits requests within RPM and TPM; `acquire` waits in FIFO order."""

    def __init__(
        self,
        requests_per_minute: float,
        tokens_per_minute: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        now = clock()
        self.requests = TokenBucket(requests_per_minute, now)
        self.tokens = TokenBucket(tokens_per_minute, now)
        self.clock = clock
        self.sleep = sleep
        self.paused_until = now
        self.admitted = 0  # requests admitted so far
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        """Wait until one request of about `tokens` tokens fits, then count it."""
        async with self._lock:
            while True:
                now = self.clock()
                wait = max(
                    self.paused_until - now,
                    self.requests.wait_for(1, now),
                    self.tokens.wait_for(tokens, now),
                )
                if wait <= 0:
                    self.requests.take(1, now)
                    self.tokens.take(tokens, now)
                    self.admitted += 1
                    return
                await self.sleep(wait)

    def settle(self, estimated: int, actual: int) -> None:
        """Correct the token count of a finished request by its real usage."""
        self.tokens.adjust(actual - estimated, self.clock())

    def pause(self, seconds: float) -> None:
        """Admit nothing for `seconds` (the provider said Retry-After)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
