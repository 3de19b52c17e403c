"""A real OpenAI-compatible HTTP server on loopback, for tests and benchmarks.

`FakeOpenAIServer` answers `POST /v1/chat/completions` (non-streaming) from an asyncio server
running in a background thread, so the real openai SDK and LangChain's `ChatOpenAI` can be
pointed at it. It is deliberately minimal (a hand-rolled HTTP/1.1 keep-alive loop, no
framework) so it sustains many hundreds of requests/s and never becomes the bottleneck of a
benchmark; latency is an `asyncio.sleep`, so 50 concurrent requests at 1 s take about 1 s.

Structured output is answered the way the request asks for it:
- `response_format: {"type": "json_schema" | "json_object"}` (what `ChatOpenAI.
  with_structured_output` sends by default): the content is the JSON of the responder's dict;
- `tools` + `tool_choice` (`method="function_calling"`): one tool call whose arguments are
  that JSON;
- neither: the dict's `body`, as plain text.

What each request gets is, in order of precedence: the next `Reply` queued with `enqueue()`
(`fail_next(n)` and `hang_next(n, seconds)` queue an outage of n requests),
else what `policy(index, body)` returns, else a normal completion whose content comes from
`responder(request_json)` (default: `plausible_draft` from `openai_drafts`, a short message
built from the facts and the closing our prompt templates give, which passes the guardrails;
`obedient_draft` is the same model, except that it obeys instructions injected into the
customer's text or the facts and leaks another customer's contact and its system prompt).
Every request is recorded in `requests` (path, lower-cased headers, JSON body, arrival time
on `clock`, default `time.monotonic`); `in_flight` and `max_in_flight` count the requests
being answered at once, so a test can check concurrency without timing anything.
`hold_until_in_flight(n)` holds every request until n are in flight together (a gate that
proves n concurrent requests without depending on the machine's speed).
`die_after=N` answers N requests, then stops listening and drops every connection.

Run standalone (a separate process, e.g. for a benchmark) with
`python -m tests.fakes.openai_server --port 8900 --latency 1.0`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import http
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.openai_drafts import (
    facts_in,
    message_text,
    obedient_draft,
    plausible_draft,
    user_prompt,
)

ResponderResult = dict[str, Any] | str
Responder = Callable[[dict[str, Any]], ResponderResult]
Policy = Callable[[int, dict[str, Any]], "Reply | None"]

__all__ = [
    "FakeOpenAIServer",
    "RecordedRequest",
    "Reply",
    "Responder",
    "dropped",
    "empty",
    "error_body",
    "facts_in",
    "http_error",
    "malformed",
    "obedient_draft",
    "plausible_draft",
    "rate_limited",
    "running_fake_openai",
    "server_error",
    "slow",
    "user_prompt",
]

CHAT_PATH = "/v1/chat/completions"
_MAX_HEAD = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """A scripted answer to one request. Unset fields fall back to the server's defaults.

    `content` replaces the responder's output (a dict is sent as JSON, a string verbatim, so
    `'{"body": "Hi'` is malformed JSON); `body` replaces the whole HTTP body (error payloads);
    `drop` closes the connection without answering; `delay` overrides the server latency;
    `refusal` answers with a model refusal (no content).
    """

    status: int = 200
    content: ResponderResult | None = None
    body: dict[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float | None = None
    drop: bool = False
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = None
    refusal: str | None = None


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error payload."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def rate_limited(retry_after: float | None = 1.0, *, retry_after_ms: int | None = None) -> Reply:
    """HTTP 429 with `Retry-After` (seconds) and/or `retry-after-ms`, like OpenAI sends."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    body = error_body("Rate limit reached for requests", "requests", "rate_limit_exceeded")
    return Reply(status=429, headers=headers, body=body, delay=0.0)


def server_error(status: int = 500) -> Reply:
    """A 5xx answer."""
    return Reply(status=status, body=error_body("The server had an error", "server_error"))


def http_error(status: int, message: str = "Request refused") -> Reply:
    """Any other error status, e.g. 401 (bad key), 400, 403, 404."""
    return Reply(status=status, body=error_body(message, "invalid_request_error"))


def slow(seconds: float) -> Reply:
    """A normal answer that takes `seconds` (use it beyond the client timeout)."""
    return Reply(delay=seconds)


def malformed() -> Reply:
    """Content that is not valid JSON (a truncated object)."""
    return Reply(content='{"body": "Hi there, thanks for', finish_reason="stop")


def empty() -> Reply:
    """An empty content string."""
    return Reply(content="")


def dropped() -> Reply:
    """The connection is closed without an answer."""
    return Reply(drop=True)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any
    index: int
    received_at: float


class FakeOpenAIServer:
    """The server; use it as a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        latency: float = 0.0,
        die_after: int | None = None,
        policy: Policy | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.responder: Responder = responder or plausible_draft
        self.latency = latency
        self.die_after = die_after
        self.policy = policy
        self.requests: list[RecordedRequest] = []
        self._host = host
        self._port = port
        self._queue: collections.deque[Reply] = collections.deque()
        self._count = 0
        self._answered = 0
        self._dead = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.StreamWriter] = set()
        self._error: BaseException | None = None
        self.clock = clock
        self.in_flight = 0
        self.max_in_flight = 0
        self._gate_size: int | None = None
        self._gate_timeout = 0.0
        self._gate_open: asyncio.Event | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """The URL to give the SDK as `base_url`."""
        return f"http://{self._host}:{self._port}/v1"

    @property
    def request_count(self) -> int:
        """Requests received (including ones answered with errors or dropped)."""
        return self._count

    @property
    def answered(self) -> int:
        """Requests answered with HTTP 200."""
        return self._answered

    @property
    def dead(self) -> bool:
        return self._dead

    @property
    def open_connections(self) -> int:
        """Client connections currently open."""
        return len(self._writers)

    def enqueue(self, *replies: Reply) -> None:
        """Script the next requests' answers, first in first out."""
        self._queue.extend(replies)

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next `count` requests with HTTP `status` (an outage)."""
        self.enqueue(*[server_error(status) for _ in range(count)])

    def hang_next(self, count: int, seconds: float) -> None:
        """Hold the next `count` requests `seconds` each (beyond a client's timeout)."""
        self.enqueue(*[slow(seconds) for _ in range(count)])

    def hold_until_in_flight(self, count: int, timeout: float = 30.0) -> None:
        """Hold each request (before its latency) until `count` are in flight at once, then
        let them all go. A gate not reached within `timeout` seconds opens anyway, so a client
        that never gets there fails its test (`max_in_flight` < count) instead of hanging."""

        def arm() -> None:
            self._gate_size = count
            self._gate_timeout = timeout
            self._gate_open = asyncio.Event()

        self._call_in_loop(arm)

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies received so far."""
        return [r.body for r in self.requests if isinstance(r.body, dict)]

    def start(self) -> FakeOpenAIServer:
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(started,), name="fake-openai", daemon=True
        )
        self._thread.start()
        if not started.wait(10) or self._error is not None:
            raise RuntimeError(f"fake OpenAI server did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)
        self._thread = None

    def kill(self) -> None:
        """Die now: stop listening and drop every connection (as `die_after` does)."""
        self._call_in_loop(self._die)

    def revive(self) -> None:
        """Listen again on the same port after dying, answering normally from now on."""
        self.die_after = None
        self._call_in_loop(self._revive)

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _call_in_loop(self, func: Callable[[], Any]) -> None:
        if self._loop is None:
            raise RuntimeError("server not started")

        async def call() -> None:
            result = func()
            if asyncio.iscoroutine(result):
                await result

        asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def _run(self, started: threading.Event) -> None:
        try:
            asyncio.run(self._main(started))
        except BaseException as exc:  # reported to start()
            self._error = exc
            started.set()

    async def _main(self, started: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._listen()
        started.set()
        await self._stop.wait()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, reuse_address=True, limit=_MAX_HEAD, backlog=1024
        )
        self._port = self._server.sockets[0].getsockname()[1]

    async def _revive(self) -> None:
        self._dead = False
        await self._listen()

    def _die(self) -> None:
        self._dead = True
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers - self._busy):
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while not self._dead:
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, headers = _parse_head(head)
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    raw = await _read_chunked(reader)
                else:
                    raw = await reader.readexactly(int(headers.get("content-length", "0")))
                self._busy.add(writer)
                keep = await self._handle(method, path, headers, raw, writer)
                self._busy.discard(writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        except asyncio.CancelledError:  # only stop() cancels a connection: end it quietly
            pass
        except ValueError:  # not HTTP we understand
            writer.transport.abort()
        finally:
            self._busy.discard(writer)
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _handle(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        writer: asyncio.StreamWriter,
    ) -> bool:
        self._count += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(method, path, headers, raw, writer, self._count)
        finally:
            self.in_flight -= 1

    async def _pass_gate(self) -> None:
        gate = self._gate_open
        if gate is None or self._gate_size is None:
            return
        if self.in_flight >= self._gate_size:
            gate.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gate.wait(), self._gate_timeout)
        gate.set()  # a gate that timed out stays open

    async def _answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        writer: asyncio.StreamWriter,
        index: int,
    ) -> bool:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.requests.append(
            RecordedRequest(method, path, headers, body, index, received_at=self.clock())
        )
        if self.die_after is not None and index > self.die_after:
            self._die()
            writer.transport.abort()
            return False
        if method != "POST" or path.split("?", 1)[0] != CHAT_PATH or not isinstance(body, dict):
            reply = Reply(status=404, body=error_body(f"Unknown path {path}", "invalid_request"))
        elif self._queue:
            reply = self._queue.popleft()
        else:
            reply = (self.policy(index, body) if self.policy else None) or Reply()
        await self._pass_gate()
        delay = self.latency if reply.delay is None else reply.delay
        if delay > 0:
            await asyncio.sleep(delay)
        if reply.drop:
            writer.transport.abort()
            return False
        if reply.body is not None or reply.status != 200:
            payload = reply.body if reply.body is not None else error_body("error", "error")
        else:
            payload = self._completion(body, reply, index)
            self._answered += 1
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        writer.write(_response_head(reply.status, len(data), reply.headers) + data)
        await writer.drain()
        return not self._dead

    def _completion(self, request: dict[str, Any], reply: Reply, index: int) -> dict[str, Any]:
        content = reply.content if reply.content is not None else self.responder(request)
        text = content if isinstance(content, str) else json.dumps(content)
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if reply.refusal is not None:
            message.update(content=None, refusal=reply.refusal)
        finish_reason = reply.finish_reason
        tools = request.get("tools")
        response_format = request.get("response_format") or {}
        if tools and not response_format and reply.refusal is None:
            message["content"] = None
            message["tool_calls"] = [
                {
                    "id": f"call_{index}",
                    "type": "function",
                    "function": {"name": _tool_name(request), "arguments": text},
                }
            ]
            finish_reason = "tool_calls" if finish_reason == "stop" else finish_reason
        elif not response_format and isinstance(content, dict) and reply.refusal is None:
            message["content"] = str(content.get("body", text))
        prompt_tokens, completion_tokens = reply.usage or (
            _estimate_tokens(request),
            max(1, len(message["content"] or text) // 4),
        )
        return {
            "id": f"chatcmpl-fake-{index}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(request.get("model", "fake-model")),
            "system_fingerprint": None,
            "choices": [
                {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, path, headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _response_head(status: int, length: int, headers: Mapping[str, str]) -> bytes:
    phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else ""
    lines = [
        f"HTTP/1.1 {status} {phrase}",
        "content-type: application/json",
        f"content-length: {length}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _tool_name(request: dict[str, Any]) -> str:
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        return str(choice.get("function", {}).get("name", "tool"))
    tools = request.get("tools") or [{}]
    return str(tools[0].get("function", {}).get("name", "tool"))


def _estimate_tokens(request: dict[str, Any]) -> int:
    messages = request.get("messages") or []
    chars = sum(len(message_text(m)) for m in messages if isinstance(m, dict))
    return max(1, chars // 4 + 3 * len(messages))


@contextlib.contextmanager
def running_fake_openai(
    responder: Responder | None = None, **options: Any
) -> Iterator[FakeOpenAIServer]:
    """A started `FakeOpenAIServer`, stopped on exit; `server.base_url` is the SDK base URL."""
    server = FakeOpenAIServer(responder, **options)
    with server:
        yield server


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, printing the base URL on the first line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(argv)
    server = FakeOpenAIServer(latency=args.latency, port=args.port).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
