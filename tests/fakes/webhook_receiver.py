"""A brand's webhook receiver on loopback: checks every signature, dedups on the key, records.

`FakeWebhookReceiver` answers `POST /hooks/messages` over real HTTP in a background thread, as
the docs tell a brand to build one: the `X-Assistant-Signature` must sign the raw body with the
shared secret and a timestamp within five minutes of the receiver's clock (401 otherwise); the
body must be JSON with an `id` equal to the `Idempotency-Key` header (400 otherwise). A ping
(`"type": "ping"`) is answered 200 and not delivered. A message is delivered once per key:
`deliveries` holds the first payload of each key, `attempts` counts every signed request per
key, and a repeat of a delivered key is answered 200 with the same id.

Faults for the next message requests are queued with `enqueue()`: `Fault(status=500)` answers
that status without delivering; `Fault(hang=2.0)` delivers and then holds the answer past the
client's timeout (the receiver has it; the sender cannot know).
"""

from __future__ import annotations

import collections
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from connectors.webhook.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

SECRET = "whsec-test-0123456789abcdef-not-a-real-secret"
PATH = "/hooks/messages"


@dataclass(frozen=True)
class Fault:
    """A scripted answer to one message request: an error status, or deliver-then-hang."""

    status: int = 0
    hang: float = 0.0
    body: dict[str, Any] = field(default_factory=dict)
    retry_after: int | None = None


@dataclass(frozen=True)
class Received:
    """One signed request as it arrived."""

    key: str
    headers: dict[str, str]
    body: bytes

    def payload(self) -> dict[str, Any]:
        found = json.loads(self.body)
        assert isinstance(found, dict)
        return found


class FakeWebhookReceiver:
    """The receiver; `url` is what ASSISTANT_WEBHOOK_URL is set to."""

    def __init__(self, secret: str = SECRET, host: str = "127.0.0.1") -> None:
        self.secret = secret
        self._host = host
        self._port = 0
        self._lock = threading.Lock()
        self._faults: collections.deque[Fault] = collections.deque()
        self._stopping = threading.Event()
        self.requests: list[Received] = []
        self.rejected: list[tuple[int, str]] = []
        self.attempts: collections.Counter[str] = collections.Counter()
        self.deliveries: dict[str, dict[str, Any]] = {}
        self.pings = 0
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self._port}{PATH}"

    def enqueue(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def start(self) -> FakeWebhookReceiver:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self._host, self._port), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._port = self._httpd.server_address[1]
        threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-webhook", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any], Fault]:
        """The answer to one POST: status, JSON body, and the fault applied (if any)."""
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        if not verify(self.secret, signature, body, now=time.time()):
            with self._lock:
                self.rejected.append((401, "bad signature"))
            return 401, {"error": "bad_signature"}, Fault()
        stamp = signature.split(",", 1)[0].removeprefix("t=")
        if headers.get(TIMESTAMP_HEADER.lower()) != stamp:
            return 400, {"error": "timestamp_mismatch"}, Fault()
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {"error": "not_json"}, Fault()
        if payload.get("type") == "ping":
            with self._lock:
                self.pings += 1
            return 200, {"ok": True}, Fault()
        key = headers.get(IDEMPOTENCY_HEADER.lower(), "")
        if not key or payload.get("id") != key:
            return 400, {"error": "idempotency_key_mismatch"}, Fault()
        with self._lock:
            self.requests.append(Received(key, headers, body))
            self.attempts[key] += 1
            fault = self._faults.popleft() if self._faults else Fault()
            if fault.status:
                return fault.status, fault.body or {"error": "scripted"}, fault
            self.deliveries.setdefault(key, payload)
            number = list(self.deliveries).index(key) + 1
        return 202, {"id": f"push-{number}"}, fault


class _Handler(BaseHTTPRequestHandler):
    fake: FakeWebhookReceiver
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if urlsplit(self.path).path != PATH:  # a query (a token in the URL) is allowed
            self._answer(404, {"error": "not_found"})
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, answer, fault = self.fake.handle(headers, body)
        if fault.hang:
            self.fake._stopping.wait(fault.hang)
        extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        with contextlib.suppress(OSError):
            self._answer(status, answer, extra)

    def _answer(
        self, status: int, answer: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def running_receiver(**kwargs: Any) -> Iterator[FakeWebhookReceiver]:
    """A started receiver, stopped afterwards."""
    receiver = FakeWebhookReceiver(**kwargs).start()
    try:
        yield receiver
    finally:
        receiver.stop()
