"""The webhook channel logs ids and codes only: no URL (it may carry a token), no secret,
no message text and no customer data, over deliveries that succeed, retry and fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.config import get_settings
from assistant.db import unit_of_work
from tests.delivery.factories import add_customer, add_draft
from tests.fakes.webhook_receiver import SECRET, Fault, running_receiver
from tests.observability.logcapture import captured_logs

URL_TOKEN = "hook-token-5f1c9e0b7a"


def test_webhook_deliveries_log_no_personal_data_url_or_secret(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running_receiver() as receiver:
        url = f"{receiver.url}?token={URL_TOKEN}"
        for name, value in {
            "ASSISTANT_QUIET_HOURS_START": "00:00",
            "ASSISTANT_QUIET_HOURS_END": "00:00",
            "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
            "ASSISTANT_OUTBOX_DIR": str(tmp_path / "outbox"),
            "ASSISTANT_WEBHOOK_URL": url,
            "ASSISTANT_WEBHOOK_SECRET": SECRET,
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        people: list[tuple[str, str, str, str]] = []
        with unit_of_work(engine) as session:
            for number, name in enumerate(("Priyanka", "Leopold", "Genevieve")):
                person = add_customer(
                    session, first_name=name, last_name=f"Zyxwort{number}", email=f"{name}@x.io"
                )
                body = f"Hi {name}, your pan is ready for pickup at the Soho store #{number}"
                add_draft(session, person, channel="webhook", body=body)
                people.append((name, person.email or "", person.phone or "", body))
        receiver.enqueue(Fault(status=500), Fault(status=400, body={"error": "no_device"}))
        with captured_logs("DEBUG") as logs:
            done = CliRunner().invoke(cli, ["worker", "--once", "--loglevel=DEBUG"])
            assert done.exit_code == 0, done.output
        assert len(receiver.deliveries) == 1 and sum(receiver.attempts.values()) == 3

    events = logs.events()
    assert any(str(e.get("event")).startswith("webhook.sent") for e in events)
    assert any(str(e.get("event")).startswith("webhook.send_failed") for e in events)
    printed = capsys.readouterr()
    text = logs.text + printed.out + printed.err
    strings = {SECRET, URL_TOKEN, url, receiver.url}
    strings |= {value for person in people for value in person[1:]}
    leaked = sorted(s for s in strings if s in text)
    leaked += sorted(p[0] for p in people if re.search(rf"\b{p[0]}\b", text))
    assert leaked == [], f"in the log: {leaked}"
