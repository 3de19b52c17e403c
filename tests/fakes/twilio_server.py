"""A fake Twilio REST API (Programmable Messaging) on loopback, for the real twilio client.

`FakeTwilioServer` speaks the part of `https://api.twilio.com/2010-04-01` the SMS sender uses,
over real HTTP in a background thread, so `twilio.rest.Client` is exercised end to end (request
building, basic auth, form encoding, paging, error parsing into `TwilioRestException`):

- `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form: To, Body, From or
  MessagingServiceSid, StatusCallback) → 201 and the Message JSON (`queued`, or `accepted`
  with a Messaging Service; `date_sent` is null until `advance()` moves it on, as on Twilio);
- `GET .../Messages.json` with the `To`, `From`, `DateSent`, `DateSent<`, `DateSent>` filters
  (a message with no `date_sent` never matches a date filter), `PageSize` and `Page`, newest
  first, with `next_page_uri` paging;
- `GET .../Messages/{Sid}.json` → the Message, or 404 (code 20404).

Every request is checked for HTTP basic auth (account SID + auth token; 401 code 20003 otherwise)
and recorded in `requests`. Errors are Twilio's legacy JSON shape (`code`, `message`,
`more_info`, `status`). Faults for the next create calls are queued with `enqueue()`:
`twilio_error(21610)`, `rate_limited(retry_after=2)`, `server_error(500)`, and
`accept_then_hang(seconds)`, which stores the message (it *was* accepted) and then holds the
response past the client's timeout. Numbers can also be made to fail every time:
`blocked` (21610), `invalid` (21211), `landlines` (21614). `latency` seconds pass between
storing a created message and answering (a client killed meanwhile never learns its sid), and
a create whose body arrives incomplete (the client died mid-request) is refused unstored, as
an HTTP server would. `stop()` also closes the clients' open (keep-alive) connections, so a
stopped server answers nothing; a new server can then `start()` on the same `port`.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hmac
import itertools
import json
import re
import secrets
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

API_VERSION = "2010-04-01"
ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-twilio-auth-token-not-secret"

_MESSAGES = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json$")
_ACCOUNT = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)\.json$")
_NUMBERS = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/IncomingPhoneNumbers\.json$")
_SERVICE = re.compile(r"^/v1/Services/(?P<sid>[^/]+)$")
_MESSAGE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json$"
)

ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    21211: "The 'To' number is not a valid phone number.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


@dataclass(frozen=True)
class Fault:
    """A scripted answer to one create request: an error, or accept-then-hang.

    `status`/`code` make an error answer (nothing is stored); `hang` > 0 stores the message
    and then waits that long before answering 201, so a client with a shorter timeout gives up
    on a message Twilio did accept.
    """

    status: int = 400
    code: int | None = None
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: float = 0.0


def twilio_error(code: int, status: int = 400, message: str | None = None) -> Fault:
    """A Twilio error answer, e.g. 21610 (unsubscribed recipient) or 21211 (invalid To)."""
    return Fault(status=status, code=code, message=message)


def rate_limited(retry_after: float | None = 1) -> Fault:
    """HTTP 429 (code 20429), with `Retry-After` seconds when given."""
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Fault(status=429, code=20429, headers=headers)


def server_error(status: int = 500) -> Fault:
    """A 5xx answer."""
    return Fault(status=status, code=20500, message="An internal server error has occurred")


def accept_then_hang(seconds: float) -> Fault:
    """Store the message, then answer only after `seconds` (beyond the client's timeout)."""
    return Fault(status=201, hang=seconds)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; `form` and `query` keep repeated keys."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    form: Mapping[str, list[str]]
    headers: Mapping[str, str]
    authorized: bool

    def field(self, name: str) -> str | None:
        """The first form value named `name`."""
        values = self.form.get(name)
        return values[0] if values else None


@dataclass
class StoredMessage:
    """A message the fake accepted."""

    sid: str
    to: str
    body: str
    from_: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    status: str
    date_created: datetime
    date_sent: datetime | None = None
    date_updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self, account_sid: str) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": format_datetime(self.date_created, usegmt=True),
            "date_sent": format_datetime(self.date_sent, usegmt=True) if self.date_sent else None,
            "date_updated": format_datetime(self.date_updated, usegmt=True),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


def _parse_filter_value(value: str) -> date | datetime:
    """A DateSent filter value: `YYYY-MM-DD` (compared by day) or an ISO datetime."""
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_matches(sent: datetime | None, op: str, value: str) -> bool:
    if sent is None:
        return False
    bound = _parse_filter_value(value)
    if isinstance(bound, datetime):
        left, right = sent.timestamp(), bound.timestamp()
    else:
        left, right = float(sent.date().toordinal()), float(bound.toordinal())
    if op == "=":
        return left == right
    # Twilio documents DateSent< / DateSent> as "on and before" / "on and after".
    return left <= right if op == "<" else left >= right


class FakeTwilioServer:
    """The server; use it as a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, StoredMessage] = {}
        self.blocked: set[str] = set()
        self.invalid: set[str] = set()
        self.landlines: set[str] = set()
        # Seconds between storing a created message and answering.
        self.latency = 0.0
        # The account's own phone numbers and messaging services (GET lookups).
        self.numbers: set[str] = set()
        self.services: set[str] = set()
        self._faults: collections.deque[Fault] = collections.deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._counter = itertools.count(1)
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Open client connections, closed by `stop()`: a stopped server answers nothing.
        self._connections: set[socket.socket] = set()

    @property
    def base_url(self) -> str:
        """What to set as the client's `api.base_url` (TWILIO_API_URL)."""
        return f"http://{self._host}:{self._port}"

    def enqueue(self, *faults: Fault) -> None:
        """Script the answers of the next create requests, first in first out."""
        with self._lock:
            self._faults.extend(faults)

    def creates(self) -> list[RecordedRequest]:
        """The create (POST) requests received so far."""
        return [r for r in self.requests if r.method == "POST"]

    def advance(self, sid: str, status: str = "sent") -> None:
        """Move a message on, as Twilio does once it hands it to the carrier."""
        with self._lock:
            message = self.messages[sid]
            message.status = status
            now = datetime.now(UTC)
            message.date_updated = now
            if message.date_sent is None and status in {"sent", "delivered", "undelivered"}:
                message.date_sent = now

    def start(self) -> FakeTwilioServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self._host, self._port), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="fake-twilio", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTwilioServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        return hmac.compare_digest(decoded.encode(), expected.encode())

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _create(self, form: Mapping[str, list[str]]) -> tuple[int, dict[str, Any], Fault | None]:
        def one(name: str) -> str | None:
            values = form.get(name)
            return values[0] if values else None

        to, body = one("To"), one("Body")
        from_, service = one("From"), one("MessagingServiceSid")
        fault = self._next_fault()
        if fault is not None and fault.hang <= 0:
            return fault.status, self._error(fault.code, fault.status, fault.message), fault
        if not to:
            return 400, self._error(21604, 400), None
        if not body:
            return 400, self._error(21602, 400), None
        if not from_ and not service:
            return 400, self._error(21603, 400), None
        refusals = ((self.invalid, 21211), (self.landlines, 21614), (self.blocked, 21610))
        for numbers, code in refusals:
            if to in numbers:
                return 400, self._error(code, 400), None
        message = StoredMessage(
            sid="SM" + secrets.token_hex(16),
            to=to,
            body=body,
            from_=from_,
            messaging_service_sid=service,
            status_callback=one("StatusCallback"),
            status="accepted" if service and not from_ else "queued",
            date_created=datetime.now(UTC),
        )
        with self._lock:
            self.messages[message.sid] = message
        return 201, message.to_json(self.account_sid), fault

    def _list(self, query: Mapping[str, list[str]], path: str) -> dict[str, Any]:
        def one(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        with self._lock:
            found = list(self.messages.values())
        if to := one("To"):
            found = [m for m in found if m.to == to]
        if from_ := one("From"):
            found = [m for m in found if m.from_ == from_]
        for name, op in (("DateSent", "="), ("DateSent<", "<"), ("DateSent>", ">")):
            if (value := one(name)) is not None:
                found = [m for m in found if _date_matches(m.date_sent, op, value)]
        found.sort(key=lambda m: m.date_created, reverse=True)
        page_size = max(1, min(1000, int(one("PageSize") or 50)))
        page = max(0, int(one("Page") or 0))
        chunk = found[page * page_size : (page + 1) * page_size]
        kept = {k: v for k, v in query.items() if k not in {"Page", "PageToken"}}

        def page_uri(number: int) -> str:
            pairs = [(k, v) for k, values in kept.items() for v in values]
            return f"{path}?{urlencode([*pairs, ('Page', str(number))])}"

        more = (page + 1) * page_size < len(found)
        return {
            "messages": [m.to_json(self.account_sid) for m in chunk],
            "end": page * page_size + max(0, len(chunk) - 1),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if more else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": page * page_size,
            "uri": page_uri(page),
        }

    @staticmethod
    def _error(code: int | None, status: int, message: str | None = None) -> dict[str, Any]:
        text = message or ERROR_MESSAGES.get(code or 0, "Error")
        return {
            "code": code,
            "message": text,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTwilioServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.fake._lock:
            self.fake._connections.add(self.connection)

    def finish(self) -> None:
        with self.fake._lock:
            self.fake._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `requests` instead."""

    def _send(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(raw)

    def _record(self, form: Mapping[str, list[str]]) -> RecordedRequest:
        split = urlsplit(self.path)
        authorized = self.fake._authorized(self.headers.get("Authorization"))
        recorded = RecordedRequest(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            form=form,
            headers={k.lower(): v for k, v in self.headers.items()},
            authorized=authorized,
        )
        with self.fake._lock:
            self.fake.requests.append(recorded)
        return recorded

    def _account_ok(self, recorded: RecordedRequest, account: str) -> bool:
        if not recorded.authorized or account != self.fake.account_sid:
            challenge = {"WWW-Authenticate": 'Basic realm="Twilio API"'}
            self._send(401, self.fake._error(20003, 401), challenge)
            return False
        return True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if len(data) < length:  # the client went away mid-request: nothing to act on
            self.close_connection = True
            return
        raw = data.decode("utf-8")
        recorded = self._record(parse_qs(raw, keep_blank_values=True))
        match = _MESSAGES.match(recorded.path)
        if match is None:
            self._send(404, self.fake._error(20404, 404))
            return
        if not self._account_ok(recorded, match["account"]):
            return
        status, payload, fault = self.fake._create(recorded.form)
        if fault is not None and fault.hang > 0:
            self.fake._stopping.wait(fault.hang)
        elif status == 201 and self.fake.latency > 0:
            self.fake._stopping.wait(self.fake.latency)
        self._send(status, payload, fault.headers if fault else None)

    def _lookup(self, recorded: RecordedRequest) -> bool:
        """Account, phone-number and messaging-service lookups; False when not one of them."""
        fake = self.fake
        if match := _ACCOUNT.match(recorded.path):
            if self._account_ok(recorded, match["account"]):
                self._send(
                    200,
                    {"sid": fake.account_sid, "status": "active", "friendly_name": "Fake"},
                )
            return True
        if match := _NUMBERS.match(recorded.path):
            if self._account_ok(recorded, match["account"]):
                wanted = (recorded.query.get("PhoneNumber") or [None])[0]
                found = sorted(n for n in fake.numbers if wanted in (None, n))
                self._send(
                    200,
                    {
                        "incoming_phone_numbers": [
                            {"sid": f"PN{i:032d}", "phone_number": n} for i, n in enumerate(found)
                        ],
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                    },
                )
            return True
        if match := _SERVICE.match(recorded.path):
            if not recorded.authorized:
                self._send(401, fake._error(20003, 401))
            elif match["sid"] in fake.services:
                self._send(200, {"sid": match["sid"], "account_sid": fake.account_sid})
            else:
                self._send(404, fake._error(20404, 404))
            return True
        return False

    def do_GET(self) -> None:
        recorded = self._record({})
        if self._lookup(recorded):
            return
        if match := _MESSAGES.match(recorded.path):
            if self._account_ok(recorded, match["account"]):
                self._send(200, self.fake._list(recorded.query, recorded.path))
            return
        if match := _MESSAGE.match(recorded.path):
            if not self._account_ok(recorded, match["account"]):
                return
            with self.fake._lock:
                message = self.fake.messages.get(match["sid"])
            if message is None:
                self._send(404, self.fake._error(20404, 404))
            else:
                self._send(200, message.to_json(self.fake.account_sid))
            return
        self._send(404, self.fake._error(20404, 404))


@contextlib.contextmanager
def running_fake_twilio(**kwargs: Any) -> Iterator[FakeTwilioServer]:
    """A started server, stopped afterwards."""
    server = FakeTwilioServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
