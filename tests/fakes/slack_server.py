"""A fake Slack Web API: a real HTTP server on loopback for the real slack-sdk.

Point a `WebClient(base_url=server.api_url)` at it. It answers the methods the review app
uses (auth.test, chat.postMessage, chat.update, chat.postEphemeral, views.open,
views.update, users.info, usergroups.users.list, conversations.history,
conversations.replies) the way Slack does: HTTP 200 with `{"ok": false, "error": ...}` for
API errors, HTTP 429 with `Retry-After` when rate limited. Bodies may be form-encoded or
JSON, the token comes from `Authorization: Bearer`. Every call is recorded in `calls`.

Faults to inject: `fail(method, status=429, retry_after=1)` (the next call(s) of a method
fail), `slow(method, seconds)` (the call takes effect, the answer comes late),
`accept_then_drop(method)` (the call takes effect, then the connection is closed before the
answer: the client cannot know it worked), `outage` (`"5xx"`: every call answers 503;
`"drop"`: connections are closed unanswered) and `channel_interval` (a post to a channel
less than that many seconds after the previous one gets a 429, like Slack's ~1 message/s
per channel).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

BOT_TOKEN = "xoxb-fake-bot-token"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0FAKE"
SECTION_TEXT_MAX = 3000
MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
MODAL_TITLE_MAX = 24

Outage = Literal["5xx", "drop"] | None


class _ApiError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class _Drop(Exception):
    """Close the connection without an answer."""


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int
    ok: bool


@dataclass(frozen=True)
class Fault:
    """A scripted failure of one call."""

    status: int = 429
    retry_after: float | None = 1.0
    error: str = "ratelimited"
    drop_after_effect: bool = False
    delay: float = 0.0


@dataclass
class Posted:
    """A message in a channel (threaded when `thread_ts` is set)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    updates: int = 0
    user: str = BOT_USER_ID


@dataclass
class Ephemeral:
    """A message only `user` saw."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None


@dataclass
class OpenedView:
    """A modal opened (and maybe updated) by the app."""

    id: str
    trigger_id: str | None
    view: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


def _as_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _texts(block: dict[str, Any]) -> Iterator[str]:
    text = block.get("text")
    if isinstance(text, dict) and isinstance(text.get("text"), str):
        yield text["text"]
    for item in block.get("fields") or []:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            yield item["text"]


class FakeSlack:
    """The server. Use it as a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        users: dict[str, str] | None = None,
        usergroups: dict[str, list[str]] | None = None,
        channel_interval: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        # user id -> real name
        self.users: dict[str, str] = dict(users or {})
        self.usergroups: dict[str, list[str]] = {k: list(v) for k, v in (usergroups or {}).items()}
        self.channel_interval = channel_interval
        # Channel ids conversations.info answers channel_not_found for; any other exists.
        self.missing_channels: set[str] = set()
        self.outage: Outage = None
        self.calls: list[Call] = []
        self.messages: list[Posted] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: list[OpenedView] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._holds: dict[str, threading.Event] = {}
        self._hold_timeout = 30.0
        self._used_triggers: set[str] = set()
        self._last_post: dict[str, float] = {}
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self._lock = threading.RLock()
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The base URL to give `WebClient(base_url=...)` (SLACK_API_URL)."""
        return f"{self.url}/api/"

    # -- faults -----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: float | None = 1.0,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail with `status` (429 carries Retry-After)."""
        default = "ratelimited" if status == 429 else "service_unavailable"
        with self._lock:
            for _ in range(times):
                self._faults[method].append(
                    Fault(status=status, retry_after=retry_after, error=error or default)
                )

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next call(s) of `method` take effect at once but answer after `seconds`."""
        with self._lock:
            for _ in range(times):
                self._faults[method].append(Fault(status=200, delay=seconds))

    def hold(self, method: str, *, timeout: float = 30.0) -> threading.Event:
        """Calls of `method` wait (before taking effect) until the returned event is set, or
        `timeout` seconds: a test can then see what the app did before that call returned,
        e.g. that it acknowledged Slack without waiting for it."""
        gate = threading.Event()
        self._hold_timeout = timeout
        with self._lock:
            self._holds[method] = gate
        return gate

    def accept_then_drop(self, method: str, *, times: int = 1) -> None:
        """The next call(s) of `method` take effect, then the connection closes unanswered."""
        with self._lock:
            for _ in range(times):
                self._faults[method].append(Fault(status=200, drop_after_effect=True))

    # -- inspection -------------------------------------------------------------------------

    def calls_of(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def message(self, channel: str, ts: str) -> Posted:
        with self._lock:
            for posted in self.messages:
                if posted.channel == channel and posted.ts == ts:
                    return posted
        raise KeyError((channel, ts))

    def thread(self, channel: str, thread_ts: str) -> list[Posted]:
        with self._lock:
            return [m for m in self.messages if m.channel == channel and m.thread_ts == thread_ts]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    # -- HTTP -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        method = split.path.rsplit("/", 1)[-1]
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params: dict[str, Any] = dict(parse_qsl(split.query))
        content_type = request.headers.get("Content-Type") or ""
        if raw and content_type.startswith("application/json"):
            params.update(json.loads(raw.decode("utf-8")))
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        params = {key: _as_json(value) for key, value in params.items()}
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(params.pop("token", ""))
        status, headers, body = 200, {}, {}
        try:
            status, headers, body = self._dispatch(method, token, params)
        except _Drop:
            self._record(method, params, 0, ok=False)
            request.close_connection = True
            return
        self._record(method, params, status, ok=bool(body.get("ok")))
        payload = json.dumps(body).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)

    def _record(self, method: str, params: dict[str, Any], status: int, *, ok: bool) -> None:
        with self._lock:
            self.calls.append(Call(method, params, time.monotonic(), status, ok))

    def _dispatch(
        self, method: str, token: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.outage == "drop":
            raise _Drop
        if self.outage == "5xx":
            return 503, {}, {"ok": False, "error": "service_unavailable"}
        with self._lock:
            fault = self._faults[method].popleft() if self._faults[method] else None
        if fault is not None and fault.status != 200:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            return fault.status, headers, {"ok": False, "error": fault.error}
        if method != "apps.connections.open" and token != self.token:
            return 200, {}, {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        with self._lock:
            gate = self._holds.get(method)
        if gate is not None:
            gate.wait(self._hold_timeout)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        try:
            with self._lock:
                answer: tuple[int, dict[str, str], dict[str, Any]] = handler(params)
        except _ApiError as exc:
            return 200, {}, {"ok": False, "error": exc.error}
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop_after_effect:
            raise _Drop
        return answer

    @staticmethod
    def _ok(**data: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
        return 200, {}, {"ok": True, **data}

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._ts):06d}"

    @staticmethod
    def _check_blocks(blocks: Any, limit: int) -> list[dict[str, Any]]:
        if blocks in (None, ""):
            return []
        if not isinstance(blocks, list) or len(blocks) > limit:
            raise _ApiError("invalid_blocks")
        for block in blocks:
            if not isinstance(block, dict) or "type" not in block:
                raise _ApiError("invalid_blocks")
            if block["type"] == "section" and any(
                len(text) > SECTION_TEXT_MAX for text in _texts(block)
            ):
                raise _ApiError("invalid_blocks")
        return blocks

    # -- API methods (called with the lock held) --------------------------------------------

    def _api_auth_test(self, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        return self._ok(
            url="https://fake.slack.com/",
            team="Fake Team",
            user="assistant",
            team_id=TEAM_ID,
            user_id=BOT_USER_ID,
            bot_id=BOT_ID,
            is_enterprise_install=False,
        )

    def _api_conversations_info(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel = str(params.get("channel") or "")
        if not channel or channel in self.missing_channels:
            raise _ApiError("channel_not_found")
        return self._ok(channel={"id": channel, "is_member": True, "is_private": False})

    def _api_chat_postMessage(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel = str(params.get("channel") or "")
        if not channel:
            raise _ApiError("channel_not_found")
        blocks = self._check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX)
        text = str(params.get("text") or "")
        if not text and not blocks:
            raise _ApiError("no_text")
        thread_ts = params.get("thread_ts") or None
        if thread_ts is not None and not any(
            m.channel == channel and m.ts == thread_ts for m in self.messages
        ):
            raise _ApiError("thread_not_found")
        now = time.monotonic()
        last = self._last_post.get(channel)
        if self.channel_interval and last is not None and now - last < self.channel_interval:
            return 429, {"Retry-After": "1"}, {"ok": False, "error": "ratelimited"}
        self._last_post[channel] = now
        metadata = params.get("metadata")
        posted = Posted(
            channel=channel,
            ts=self._next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        self.messages.append(posted)
        message = {"type": "message", "text": text, "ts": posted.ts, "user": BOT_USER_ID}
        return self._ok(channel=channel, ts=posted.ts, message=message)

    def _api_chat_update(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        try:
            posted = self.message(channel, ts)
        except KeyError:
            raise _ApiError("message_not_found") from None
        blocks = self._check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX)
        text = str(params.get("text") or "")
        if not text and not blocks:
            raise _ApiError("no_text")
        posted.text, posted.blocks = text, blocks
        posted.updates += 1
        return self._ok(channel=channel, ts=ts, text=text)

    def _api_chat_postEphemeral(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel, user = str(params.get("channel") or ""), str(params.get("user") or "")
        if not channel:
            raise _ApiError("channel_not_found")
        if not user:
            raise _ApiError("user_not_found")
        blocks = self._check_blocks(params.get("blocks"), MESSAGE_BLOCKS_MAX)
        text = str(params.get("text") or "")
        if not text and not blocks:
            raise _ApiError("no_text")
        thread_ts = params.get("thread_ts") or None
        self.ephemerals.append(Ephemeral(channel, user, text, blocks, thread_ts))
        return self._ok(message_ts=self._next_ts())

    def _check_view(self, view: Any) -> dict[str, Any]:
        if not isinstance(view, dict) or view.get("type") != "modal":
            raise _ApiError("invalid_arguments")
        title = (view.get("title") or {}).get("text", "")
        if not title or len(title) > MODAL_TITLE_MAX:
            raise _ApiError("invalid_arguments")
        self._check_blocks(view.get("blocks"), MODAL_BLOCKS_MAX)
        return view

    def _api_views_open(self, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        trigger_id = str(params.get("trigger_id") or "")
        if not trigger_id or trigger_id in self._used_triggers:
            raise _ApiError("invalid_trigger_id")
        self._used_triggers.add(trigger_id)
        view = dict(self._check_view(params.get("view")))
        view_id = f"V{next(self._view_ids):08d}"
        view.update(id=view_id, team_id=TEAM_ID, app_id=APP_ID, bot_id=BOT_ID, hash=f"h{view_id}")
        self.views.append(OpenedView(view_id, trigger_id, view, [view]))
        return self._ok(view=view)

    def _api_views_update(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        view_id = str(params.get("view_id") or "")
        for opened in self.views:
            if opened.id == view_id:
                view = dict(self._check_view(params.get("view")))
                view.update(id=view_id, team_id=TEAM_ID, app_id=APP_ID, hash=f"h{view_id}u")
                opened.view = view
                opened.history.append(view)
                return self._ok(view=view)
        raise _ApiError("not_found")

    def _api_users_info(self, params: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        user = str(params.get("user") or "")
        if user not in self.users:
            raise _ApiError("user_not_found")
        name = self.users[user]
        profile = {"real_name": name, "display_name": name.split()[0] if name else ""}
        return self._ok(
            user={"id": user, "team_id": TEAM_ID, "name": name.lower(), "real_name": name,
                  "profile": profile, "is_bot": False}
        )  # fmt: skip

    def _api_usergroups_users_list(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        group = str(params.get("usergroup") or "")
        if group not in self.usergroups:
            raise _ApiError("no_such_subteam")
        return self._ok(users=list(self.usergroups[group]))

    @staticmethod
    def _listed(posted: Posted, with_metadata: bool) -> dict[str, Any]:
        item: dict[str, Any] = {"type": "message", "user": posted.user, "text": posted.text,
                                "ts": posted.ts, "blocks": posted.blocks}  # fmt: skip
        if posted.thread_ts:
            item["thread_ts"] = posted.thread_ts
        if with_metadata and posted.metadata:
            item["metadata"] = posted.metadata
        return item

    def _api_conversations_history(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel = str(params.get("channel") or "")
        oldest = float(params.get("oldest") or 0)
        with_metadata = str(params.get("include_all_metadata")) in ("1", "true", "True")
        found = [
            self._listed(m, with_metadata)
            for m in reversed(self.messages)
            if m.channel == channel
            and (m.thread_ts is None or m.thread_ts == m.ts)
            and float(m.ts) >= oldest
        ]
        limit = int(params.get("limit") or 100)
        return self._ok(messages=found[:limit], has_more=len(found) > limit)

    def _api_conversations_replies(
        self, params: dict[str, Any]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        with_metadata = str(params.get("include_all_metadata")) in ("1", "true", "True")
        try:
            parent = self.message(channel, ts)
        except KeyError:
            raise _ApiError("thread_not_found") from None
        replies = [m for m in self.messages if m.channel == channel and m.thread_ts == ts]
        found = [self._listed(parent, with_metadata)] + [
            self._listed(m, with_metadata) for m in replies
        ]
        return self._ok(messages=found, has_more=False)
