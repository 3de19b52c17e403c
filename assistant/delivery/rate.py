"""Sending SMS at the provider account's rate (ASSISTANT_SMS_RATE segments per second).

The sender calls `RateGate.wait(segments)` before each SMS it sends. Each segment is a slot
of 1/rate seconds: a message of k segments is sent once the k - 1 slots before its last one
are free too (so it never lands on top of the previous message), and the k slots after its
send are booked (so the next message waits them out). In any one-second window at most
`rate` segments go out, and back to back when there is a queue.

`LocalRateGate` books in one process; `RedisRateGate` books the same slots in one Redis key
with a Lua script, so every sender process sharing the Redis (ASSISTANT_BROKER_URL) takes
its turn. If Redis cannot be reached the call is gated in-process instead (logged once):
sending never stops for the gate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from assistant.config import Settings

log = logging.getLogger(__name__)

KEY = "assistant:sms:rate"
# The key outlives its booking by this much, then Redis forgets it.
KEEP_MS = 60_000


class RateGate(Protocol):
    """Blocks until `segments` SMS segments may be sent without going above the rate."""

    def wait(self, segments: int) -> None:
        """Block until `segments` may go out now; books their slots."""
        ...


class NoLimit:
    """No configured rate: never waits."""

    def wait(self, segments: int) -> None:
        """Return at once."""


def next_slot(booked: float | None, now: float, segments: int, rate: float) -> tuple[float, float]:
    """(when to send, the next free slot) for `segments` after the slot `booked`."""
    step = 1.0 / rate
    start = max(now, (booked if booked is not None else now) + (segments - 1) * step)
    return start, start + segments * step


class LocalRateGate:
    """At most `rate` segments per second from this process (injectable clock and sleep)."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()

    def book(self, segments: int) -> tuple[float, float]:
        """(now, when to send) for `segments`; books their slots."""
        with self._lock:
            now = self.clock()
            start, self._next = next_slot(self._next, now, max(segments, 1), self.rate)
        return now, start

    def wait(self, segments: int) -> None:
        """Block until `segments` may go out now; books their slots."""
        now, start = self.book(segments)
        if start > now:
            self.sleep(start - now)


# KEYS[1] the next free slot; ARGV: now, segments, rate, keep ms. Returns when to send.
_BOOK = """
local now = tonumber(ARGV[1])
local segments = tonumber(ARGV[2])
local step = 1.0 / tonumber(ARGV[3])
local start = now
local booked = redis.call('GET', KEYS[1])
if booked then start = math.max(now, tonumber(booked) + (segments - 1) * step) end
local following = start + segments * step
local keep = math.ceil((following - now) * 1000) + tonumber(ARGV[4])
redis.call('SET', KEYS[1], string.format('%.6f', following), 'PX', keep)
return string.format('%.6f', start)
"""


class RedisRateGate:
    """At most `rate` segments per second among every process sharing the Redis. The clock
    is the wall clock (shared across machines)."""

    def __init__(
        self,
        client: Any,
        rate: float,
        *,
        key: str = KEY,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.rate = rate
        self.key = key
        self.clock = clock
        self.sleep = sleep
        self._book = client.register_script(_BOOK)
        self._fallback = LocalRateGate(rate, clock=clock, sleep=sleep)
        self._warned = False

    @classmethod
    def from_url(cls, url: str, rate: float, **options: Any) -> RedisRateGate:
        """A gate on the Redis at `url`."""
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(client, rate, **options)

    def book(self, segments: int) -> tuple[float, float]:
        """(now, when to send) for `segments`; books their slots (in-process without Redis)."""
        import redis

        now = self.clock()
        try:
            raw = self._book(keys=[self.key], args=[now, max(segments, 1), self.rate, KEEP_MS])
        except redis.RedisError as exc:
            if not self._warned:
                log.warning("delivery.rate_gate_unavailable error=%s", type(exc).__name__)
                self._warned = True
            return self._fallback.book(segments)
        return now, float(raw)

    def wait(self, segments: int) -> None:
        """Block until `segments` may go out now; books their slots."""
        now, start = self.book(segments)
        if start > now:
            self.sleep(start - now)


def build_rate_gate(settings: Settings) -> RateGate:
    """Shared through Redis when ASSISTANT_BROKER_URL is a Redis URL, else in-process; no
    gate without ASSISTANT_SMS_RATE."""
    rate = settings.delivery.sms_rate
    if not rate:
        return NoLimit()
    url = settings.worker.broker_url or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _shared(url, rate)
    return _local(rate)


@lru_cache(maxsize=4)
def _shared(url: str, rate: float) -> RedisRateGate:
    """One gate (and connection pool) per Redis URL and rate in a process."""
    return RedisRateGate.from_url(url, rate)


@lru_cache(maxsize=4)
def _local(rate: float) -> LocalRateGate:
    """One in-process gate per rate: every sender of the process books the same slots."""
    return LocalRateGate(rate)
