"""Calling the Slack Web API: paced per channel, 429s waited out, outcomes classified.

The WebClient must not retry on its own (`build_client` turns its retry handlers off): its
default retry after a connection reset could post a card twice. Instead `Transport.call`
retries only what is safe, a 429 (Slack did nothing, and said when to come back), and
tells the caller whether a failed call certainly did nothing (`NotPosted`) or may have
taken effect (`Uncertain`: the request went out and no answer came back).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.client import HTTPException
from typing import Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

logger = logging.getLogger(__name__)

POST_INTERVAL = 1.0
MAX_RETRY_AFTER = 30.0
MAX_RATE_LIMITED = 5
DEFAULT_API_URL = "https://slack.com/api/"


def build_client(token: str, base_url: str | None = None, *, timeout: int = 30) -> WebClient:
    """A WebClient on `base_url` (SLACK_API_URL) with the SDK's own retries off."""
    url = base_url or DEFAULT_API_URL
    if not url.endswith("/"):
        url += "/"
    return WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])


class NotPosted(Exception):
    """Slack answered with an error, or could not be reached: nothing was done."""


class Uncertain(Exception):
    """The request went out but no answer came back: it may have taken effect."""


def retry_after(response: SlackResponse, default: float = 1.0) -> float:
    """Seconds a 429 asks us to wait."""
    headers = response.headers or {}
    raw = headers.get("retry-after") or headers.get("Retry-After")
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    try:
        return max(0.0, float(raw)) if raw is not None else default
    except (TypeError, ValueError):
        return default


def _refused(error: BaseException) -> bool:
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


class Pacer(Protocol):
    """Spaces calls per channel: `ChannelPacer` in one process, `pacing.RedisChannelPacer`
    across processes."""

    def wait(self, channel: str, *, post: bool) -> None:
        """Block until `channel` may be written to; a post books the next slot."""
        ...

    def hold(self, channel: str, seconds: float) -> None:
        """Nothing goes to `channel` for `seconds`."""
        ...


class ChannelPacer:
    """At most one post per `interval` seconds per channel, plus holds after a 429.

    Only posts book slots: an update or an ephemeral answer waits for a hold (Slack's
    Retry-After), never behind the posts queued for the channel, so a reviewer's click is
    answered at once even while a backlog of cards is being posted.
    In-process only (`pacing.RedisChannelPacer` paces across processes).
    """

    def __init__(
        self,
        interval: float = POST_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._next: dict[str, float] = {}
        self._held: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str, *, post: bool) -> None:
        """Block until `channel` may be written to; a post books the next slot."""
        with self._lock:
            now = self.clock()
            start = max(now, self._held.get(channel, now))
            if post:
                start = max(start, self._next.get(channel, now))
                self._next[channel] = start + self.interval
        if start > now:
            self.sleep(start - now)

    def hold(self, channel: str, seconds: float) -> None:
        """Nothing goes to `channel` for `seconds` (Slack said Retry-After)."""
        with self._lock:
            until = self.clock() + seconds
            self._held[channel] = max(self._held.get(channel, until), until)


class Transport:
    """Web API calls addressed to a channel."""

    def __init__(
        self,
        client: WebClient,
        *,
        pacer: Pacer | None = None,
        max_retry_after: float = MAX_RETRY_AFTER,
        max_rate_limited: int = MAX_RATE_LIMITED,
    ) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self.max_retry_after = max_retry_after
        self.max_rate_limited = max_rate_limited

    def call(self, method: str, channel: str, **kwargs: Any) -> SlackResponse:
        """`client.<method>(channel=channel, ...)`, paced, with 429s waited out.

        Raises `NotPosted` when Slack refused it or could not be reached, `Uncertain` when
        the request went out and no answer came back. A 429 asking for more than
        `max_retry_after` seconds (or the `max_rate_limited`-th in a row) is `NotPosted`.
        """
        post = method == "chat_postMessage"
        limited = 0
        while True:
            self.pacer.wait(channel, post=post)
            try:
                response: SlackResponse = getattr(self.client, method)(channel=channel, **kwargs)
                return response
            except SlackApiError as exc:
                status = exc.response.status_code
                wait = retry_after(exc.response)
                retry = limited < self.max_rate_limited and wait <= self.max_retry_after
                if status == 429 and retry:
                    limited += 1
                    logger.info("slack.rate_limited method=%s wait=%.1f", method, wait)
                    self.pacer.hold(channel, wait)
                    continue
                data = exc.response.data
                error = data.get("error") if isinstance(data, dict) else None
                raise NotPosted(f"{method}: HTTP {status} {error or ''}".strip()) from exc
            except (OSError, HTTPException) as exc:
                if _refused(exc):
                    raise NotPosted(f"{method}: connection refused") from exc
                raise Uncertain(f"{method}: {type(exc).__name__}") from exc

    def update(self, channel: str, ts: str, text: str, blocks: list[Any]) -> bool:
        """Replace a message (chat.update is idempotent); False when it could not."""
        try:
            self.call("chat_update", channel, ts=ts, text=text, blocks=blocks)
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.update_failed channel=%s error=%s", channel, exc)
            return False
        return True

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> bool:
        """Tell one person something only they see; False when it could not."""
        extra: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        try:
            self.call("chat_postEphemeral", channel, user=user, text=text, **extra)
        except (NotPosted, Uncertain) as exc:
            logger.warning("slack.ephemeral_failed channel=%s error=%s", channel, exc)
            return False
        return True
