"""A real outbox transport that can fail like a provider, or die like a process.

`FaultyOutbox` writes to the same files as the outbox connector (a line is a delivery) and
answers `find_sent` from them, so what the sender does is checked against what was actually
delivered. Faults are scripted per call: a `SendError` (raised before writing, or after
writing when `uncertain`, like a provider that accepted and then timed out; `NeverLanded` is
uncertain to the sender but was never written). `Killer` raises
`ProcessDeath` at the n-th step it sees (provider calls and database commits), which no
`except Exception` can catch, so nothing after that step runs: a `kill -9` at that point.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from assistant.ports import EmailMessage, SendError, SendResult
from connectors.outbox import OutboxEmailSender, OutboxSmsSender


class ProcessDeath(BaseException):
    """The process died here."""


class NeverLanded(SendError):
    """An uncertain error (say a read timeout) for a request the provider never got."""

    def __init__(self, code: str = "timeout") -> None:
        super().__init__(code, "no answer", retryable=True, uncertain=True)


class Killer:
    """Counts steps; raises ProcessDeath at step `at` (1-based; None: never)."""

    def __init__(self, at: int | None = None) -> None:
        self.at = at
        self.steps: list[str] = []

    def point(self, name: str) -> None:
        self.steps.append(name)
        if self.at is not None and len(self.steps) == self.at:
            raise ProcessDeath(name)


@contextmanager
def commits_watched(engine: Engine, killer: Killer) -> Iterator[None]:
    """A step just before every commit on `engine` (dying there loses that transaction).

    Dying just after a commit is the same as dying at whatever step comes next, so the
    steps before each commit and around the provider call cover every gap.
    """

    def before(_connection: Any) -> None:
        killer.point("before_commit")

    event.listen(engine, "commit", before)
    try:
        yield
    finally:
        event.remove(engine, "commit", before)


class FaultyOutbox:
    """SmsSender and EmailSender on outbox files, with scripted faults and kill points."""

    name = "faulty-outbox"

    def __init__(self, directory: Path, killer: Killer | None = None) -> None:
        self.sms = OutboxSmsSender(directory)
        self.email = OutboxEmailSender(directory)
        self.killer = killer or Killer()
        self.send_faults: deque[SendError | None] = deque()
        self.find_faults: deque[SendError | None] = deque()
        self.sends = 0
        self.finds = 0

    def _send(self, write: Any) -> SendResult:
        self.sends += 1
        fault = self.send_faults.popleft() if self.send_faults else None
        self.killer.point("send_call")
        if fault is not None and (not fault.uncertain or isinstance(fault, NeverLanded)):
            raise fault
        result: SendResult = write()
        self.killer.point("provider_accepted")
        if fault is not None:
            raise fault  # accepted, then the answer never came back
        return result

    def _find(self, look: Any) -> SendResult | None:
        self.finds += 1
        fault = self.find_faults.popleft() if self.find_faults else None
        self.killer.point("find_call")
        if fault is not None:
            raise fault
        found: SendResult | None = look()
        return found


class FaultySms(FaultyOutbox):
    """The SMS side."""

    def send(
        self, to: str, body: str, *, idempotency_key: str, status_callback: str | None = None
    ) -> SendResult:
        return self._send(lambda: self.sms.send(to, body, idempotency_key=idempotency_key))

    def find_sent(
        self, to: str, body: str, *, idempotency_key: str, since: datetime
    ) -> SendResult | None:
        return self._find(
            lambda: self.sms.find_sent(to, body, idempotency_key=idempotency_key, since=since)
        )


class FaultyEmail(FaultyOutbox):
    """The email side."""

    def send(self, message: EmailMessage) -> SendResult:
        return self._send(lambda: self.email.send(message))

    def find_sent(self, message: EmailMessage, *, since: datetime) -> SendResult | None:
        return self._find(lambda: self.email.find_sent(message, since=since))
