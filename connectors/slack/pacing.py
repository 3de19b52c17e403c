"""Pacing Slack posts per channel across processes and machines, through Redis.

Slack allows about one message per second per channel, to the workspace, not to a process:
with several workers posting to one review channel, an in-process pacer each still adds up
to several posts a second (and then 429s). `RedisChannelPacer` keeps each channel's next
allowed moment in one Redis key, read and booked atomically by a Lua script, so every
process that shares the Redis takes its turn. Used when ASSISTANT_BROKER_URL is a Redis URL
(`build_pacer`); otherwise the in-process `ChannelPacer`. If Redis cannot be reached a call
is paced in-process instead (and logged): posting never stops for the pacer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from connectors.slack.transport import POST_INTERVAL, ChannelPacer, Pacer

if TYPE_CHECKING:
    from assistant.config import Settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "assistant:slack:pace:"
# A key outlives its booking by this much, then Redis forgets the channel.
KEEP_MS = 60_000

# KEYS: the channel's post slot, its hold; ARGV: now, interval, post (1/0), keep ms. Returns
# the start: a hold delays every call, a post also waits for (and books) the next post slot.
_BOOK = """
local now = tonumber(ARGV[1])
local start = now
local held = redis.call('GET', KEYS[2])
if held then start = math.max(start, tonumber(held)) end
if ARGV[3] == '1' then
  local slot = redis.call('GET', KEYS[1])
  if slot then start = math.max(start, tonumber(slot)) end
  local following = start + tonumber(ARGV[2])
  local keep = math.ceil((following - now) * 1000) + tonumber(ARGV[4])
  redis.call('SET', KEYS[1], string.format('%.6f', following), 'PX', keep)
end
return string.format('%.6f', start)
"""
# KEYS[1] the channel's hold; ARGV: now, seconds, keep ms. Nothing before now + seconds.
_HOLD = """
local now = tonumber(ARGV[1])
local until_ = now + tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
if stored and tonumber(stored) >= until_ then return stored end
local keep = math.ceil((until_ - now) * 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.6f', until_), 'PX', keep)
return string.format('%.6f', until_)
"""


class RedisChannelPacer:
    """At most one post per `interval` seconds per channel among every process sharing the
    Redis, plus holds after a 429. The clock is the wall clock (shared across machines)."""

    def __init__(
        self,
        client: Any,
        interval: float = POST_INTERVAL,
        *,
        prefix: str = KEY_PREFIX,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.interval = interval
        self.prefix = prefix
        self.clock = clock
        self.sleep = sleep
        self._book = client.register_script(_BOOK)
        self._hold = client.register_script(_HOLD)
        self._fallback = ChannelPacer(interval, clock=clock, sleep=sleep)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisChannelPacer:
        """A pacer on the Redis at `url`."""
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        return cls(client, **options)

    def wait(self, channel: str, *, post: bool) -> None:
        """Block until `channel` may be written to; a post books the next slot."""
        import redis

        now = self.clock()
        try:
            raw = self._book(
                keys=[self.prefix + channel, self.prefix + "hold:" + channel],
                args=[now, self.interval, int(post), KEEP_MS],
            )
        except redis.RedisError as exc:
            logger.warning("slack.pacer_unavailable error=%s", type(exc).__name__)
            self._fallback.wait(channel, post=post)
            return
        start = float(raw)
        if start > now:
            self.sleep(start - now)

    def hold(self, channel: str, seconds: float) -> None:
        """Nothing goes to `channel` for `seconds`, from any process (Slack said Retry-After)."""
        import redis

        try:
            self._hold(
                keys=[self.prefix + "hold:" + channel], args=[self.clock(), seconds, KEEP_MS]
            )
        except redis.RedisError as exc:
            logger.warning("slack.pacer_unavailable error=%s", type(exc).__name__)
            self._fallback.hold(channel, seconds)


def build_pacer(settings: Settings) -> Pacer:
    """Shared through Redis when ASSISTANT_BROKER_URL is a Redis URL, else in-process."""
    url = settings.worker.broker_url or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _shared(url)
    return ChannelPacer()


@lru_cache(maxsize=4)
def _shared(url: str) -> RedisChannelPacer:
    """One pacer (and connection pool) per Redis URL in a process."""
    return RedisChannelPacer.from_url(url)
