"""A file transport: each message is one JSON line in `DIR/sms.jsonl` or `DIR/email.jsonl`.

It stands in for Twilio and SMTP when neither is configured, and it is a real transport for
the exactly-once argument: a line written is a message delivered, and `find_sent` reads the
file back, so a sender that died mid-call can reconcile exactly as it does with Twilio.
Appends hold an exclusive lock and are fsynced before `send` returns.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.ports import EmailMessage, SendResult

log = logging.getLogger(__name__)

SMS_FILE = "sms.jsonl"
EMAIL_FILE = "email.jsonl"


def read_outbox(path: Path) -> Iterator[dict[str, Any]]:
    """Every complete message line of one outbox file (a line torn by a crash is skipped)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield record


class _JsonLines:
    """Locked, fsynced appends to one file, and lookups by idempotency key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def find(self, idempotency_key: str) -> SendResult | None:
        # The key is unique per message, so unlike Twilio's body match no time bound is needed.
        for record in read_outbox(self.path):
            if record.get("idempotency_key") == idempotency_key:
                return SendResult(provider_id=str(record["id"]), status="delivered")
        return None


def _record(channel: str, idempotency_key: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"OB{uuid.uuid4().hex}",
        "channel": channel,
        "idempotency_key": idempotency_key,
        "written_at": datetime.now(UTC).isoformat(),
        **fields,
    }


class OutboxSmsSender:
    """SmsSender writing to `DIR/sms.jsonl`."""

    name = "outbox"

    def __init__(self, directory: Path | str) -> None:
        self.file = _JsonLines(Path(directory) / SMS_FILE)

    def send(
        self, to: str, body: str, *, idempotency_key: str, status_callback: str | None = None
    ) -> SendResult:
        """Append the message; the line is the delivery."""
        record = _record("sms", idempotency_key, to=to, body=body)
        self.file.append(record)
        log.info("outbox.written channel=sms id=%s", record["id"])
        return SendResult(provider_id=record["id"], status="delivered")

    def find_sent(
        self, to: str, body: str, *, idempotency_key: str, since: datetime
    ) -> SendResult | None:
        """The line written for `idempotency_key`, if any."""
        return self.file.find(idempotency_key)


class OutboxEmailSender:
    """EmailSender writing to `DIR/email.jsonl`."""

    name = "outbox"

    def __init__(self, directory: Path | str) -> None:
        self.file = _JsonLines(Path(directory) / EMAIL_FILE)

    def send(self, message: EmailMessage) -> SendResult:
        """Append the message; the line is the delivery."""
        record = _record(
            "email",
            message.idempotency_key,
            to=message.to,
            subject=message.subject,
            text=message.text,
            html=message.html,
            customer_id=message.customer_id,
        )
        self.file.append(record)
        log.info("outbox.written channel=email id=%s", record["id"])
        return SendResult(provider_id=record["id"], status="delivered")

    def find_sent(self, message: EmailMessage, *, since: datetime) -> SendResult | None:
        """The line written for the message's idempotency key, if any."""
        return self.file.find(message.idempotency_key)
