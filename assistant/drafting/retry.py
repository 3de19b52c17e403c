"""Retrying a drafter call: exponential backoff with full jitter, honouring Retry-After.

Only errors the port marks `retryable` are retried (429, 5xx and connection failures,
timeouts, unusable output); a refusal fails at once. The wait before retry n (from 0) is
uniform in [0, min(cap, base * 2**n)] ("full jitter", which spreads a crowd of workers
that failed together), and never shorter than the provider's Retry-After.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from assistant.ports import DrafterError

T = TypeVar("T")
# A Retry-After longer than this is capped: a campaign waits, but not for hours.
MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True)
class Backoff:
    """How often and how long to wait between attempts."""

    max_retries: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `retry` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * (2**retry))
        wait = rng.uniform(0, ceiling)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
        return wait


OnRetry = Callable[[DrafterError, float], None]


async def with_retries(
    call: Callable[[], Awaitable[T]],
    backoff: Backoff,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    on_retry: OnRetry | None = None,
) -> T:
    """`await call()`, retrying retryable DrafterErrors up to `backoff.max_retries` times."""
    chooser = rng or random.Random()  # jitter, not security
    retry = 0
    while True:
        try:
            return await call()
        except DrafterError as error:
            if not error.retryable or retry >= backoff.max_retries:
                raise
            wait = backoff.delay(retry, error.retry_after, chooser)
            if on_retry is not None:
                on_retry(error, wait)
            await sleep(wait)
            retry += 1
