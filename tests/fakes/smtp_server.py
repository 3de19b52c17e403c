"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for email tests.

`FakeSmtpServer` runs aiosmtpd's `Controller` in its thread; smtplib talks to it over real
sockets. Received mail is kept as `Received` (envelope plus the parsed message). Options:
`users={"name": "password"}` checks AUTH LOGIN/PLAIN (allowed without TLS, for tests);
`tls=(certfile, keyfile)` offers STARTTLS and requires it (`implicit_tls=True` makes it an
smtps server instead). Per-address failures: `refuse_rcpt={"a@b": "550 5.1.1 No such user"}`;
`data_reply` answers DATA with a given status instead of 250; `hang_in_data=seconds` holds
the DATA reply (the message was received) past the client's timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    authenticated_as: str | None
    tls: bool


class _Handler:
    def __init__(self, server: FakeSmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        refusal = self.server.refuse_rcpt.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        login = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        with self.server._lock:
            self.server.received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    raw=raw,
                    message=parsed,  # type: ignore[arg-type]
                    authenticated_as=login,
                    tls=session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                )
            )
        if self.server.hang_in_data:
            await asyncio.sleep(self.server.hang_in_data)
        return self.server.data_reply or "250 2.0.0 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class FakeSmtpServer:
    """The server; use it as a context manager, or `start()` / `stop()`."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        users: dict[str, str] | None = None,
        tls: tuple[str, str] | None = None,
        implicit_tls: bool = False,
    ) -> None:
        self.host = host
        self.port = free_port(host)
        self.users = users or {}
        self.received: list[Received] = []
        self.refuse_rcpt: dict[str, str] = {}
        self.data_reply: str | None = None
        self.hang_in_data: float = 0.0
        self._lock = threading.Lock()
        kwargs: dict[str, Any] = {"auth_require_tls": False}
        if self.users:
            # Login is checked when offered; not *required*, which aiosmtpd warns about without TLS.
            kwargs["authenticator"] = self._authenticate
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            if implicit_tls:
                kwargs["ssl_context"] = context
            else:
                kwargs["tls_context"] = context
                kwargs["require_starttls"] = True
        self._controller = Controller(
            _Handler(self), hostname=host, port=self.port, ready_timeout=5, **kwargs
        )

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            expected = self.users.get(data.login.decode())
            if expected is not None and expected == data.password.decode():
                return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    def url(self, *, scheme: str = "smtp", user: str | None = None, query: str = "") -> str:
        """An ASSISTANT_SMTP_URL for this server (password from `users`)."""
        auth = f"{user}:{self.users[user]}@" if user else ""
        suffix = f"?{query}" if query else ""
        return f"{scheme}://{auth}{self.host}:{self.port}{suffix}"

    def start(self) -> FakeSmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._controller.stop()

    def __enter__(self) -> FakeSmtpServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def last(self) -> Received:
        """The most recent message; fails loudly when none arrived."""
        with self._lock:
            if not self.received:
                raise AssertionError("the fake SMTP server received no message")
            return self.received[-1]


@contextlib.contextmanager
def running_fake_smtp(**kwargs: Any) -> Iterator[FakeSmtpServer]:
    """A started server, stopped afterwards."""
    server = FakeSmtpServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
