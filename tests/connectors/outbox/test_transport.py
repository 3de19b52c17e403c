"""The local outbox: one JSON line per message, found again by its idempotency key."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.ports import EmailMessage, EmailSender, SmsSender
from assistant.wiring import build_email_sender, build_sms_sender
from connectors.outbox import OutboxEmailSender, OutboxSmsSender, read_outbox

SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def test_sms_lines_and_reconciliation(tmp_path: Path) -> None:
    sender = OutboxSmsSender(tmp_path / "out")
    assert isinstance(sender, SmsSender)
    assert sender.find_sent("+14155550100", "Hi", idempotency_key="draft:1", since=SINCE) is None
    result = sender.send("+14155550100", "Hi ✓", idempotency_key="draft:1")
    (line,) = read_outbox(tmp_path / "out" / "sms.jsonl")
    assert line["id"] == result.provider_id
    assert (line["to"], line["body"], line["idempotency_key"]) == (
        "+14155550100",
        "Hi ✓",
        "draft:1",
    )
    assert result.status == "delivered"
    found = sender.find_sent("+14155550100", "Hi ✓", idempotency_key="draft:1", since=SINCE)
    assert found == result
    assert sender.find_sent("+14155550100", "Hi", idempotency_key="draft:2", since=SINCE) is None


def test_email_lines(tmp_path: Path) -> None:
    sender = OutboxEmailSender(tmp_path)
    assert isinstance(sender, EmailSender)
    message = EmailMessage(
        to="maya@example.com",
        subject="Hello",
        text="Body",
        idempotency_key="draft:9",
        customer_id=4,
    )
    result = sender.send(message)
    (line,) = read_outbox(tmp_path / "email.jsonl")
    assert (line["subject"], line["text"], line["customer_id"]) == ("Hello", "Body", 4)
    assert sender.find_sent(message, since=SINCE) == result


def test_a_line_torn_by_a_crash_is_not_a_delivery(tmp_path: Path) -> None:
    sender = OutboxSmsSender(tmp_path)
    sender.send("+14155550100", "first", idempotency_key="draft:1")
    with (tmp_path / "sms.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "OBtorn", "idempotency_key": "draft:2"})[:20])
    assert sender.find_sent("+1", "x", idempotency_key="draft:2", since=SINCE) is None
    assert [line["body"] for line in read_outbox(tmp_path / "sms.jsonl")] == ["first"]


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    sender = OutboxSmsSender(tmp_path)

    def write(worker: int) -> None:
        for number in range(50):
            sender.send("+1415555", "x" * 2000, idempotency_key=f"w{worker}:{number}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = list(read_outbox(tmp_path / "sms.jsonl"))
    assert len(lines) == 200
    assert len({line["idempotency_key"] for line in lines}) == 200


def test_wiring_defaults_to_the_outbox_in_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_OUTBOX_DIR", str(tmp_path / "box"))
    get_settings.cache_clear()
    sms, email = build_sms_sender(get_settings()), build_email_sender(get_settings())
    assert isinstance(sms, OutboxSmsSender) and isinstance(email, OutboxEmailSender)
    sms.send("+14155550100", "hi", idempotency_key="k")
    assert (tmp_path / "box" / "sms.jsonl").exists()


def test_wiring_picks_twilio_and_smtp_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.email.smtp import SmtpEmailSender
    from connectors.twilio.sms import TwilioSmsSender

    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "token")
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+15005550006")
    monkeypatch.setenv("ASSISTANT_SMTP_URL", "smtp://user:pass@127.0.0.1:2525")
    monkeypatch.setenv("ASSISTANT_SECRET_KEY", "k" * 40)
    get_settings.cache_clear()
    assert isinstance(build_sms_sender(get_settings()), TwilioSmsSender)
    assert isinstance(build_email_sender(get_settings()), SmtpEmailSender)
