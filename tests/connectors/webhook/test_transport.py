"""The webhook transport and its doctor check against a real loopback receiver."""

from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from assistant.commandline.preflight import configuration_problems
from assistant.config import Settings, get_settings
from assistant.ports import SendError, WebhookMessage
from assistant.wiring import build_webhook_sender, provider_checks
from connectors.webhook.health import check_webhook
from connectors.webhook.signing import signature_header, verify
from connectors.webhook.transport import WebhookConfigError, WebhookSender
from tests.fakes.webhook_receiver import SECRET, FakeWebhookReceiver, Fault, running_receiver

MESSAGE = WebhookMessage(
    idempotency_key="draft:7",
    message_id=11,
    external_id="cust-42",
    body="Your order shipped",
    subject="On its way",
    campaign_id=3,
    playbook="check_in",
    created_at=datetime(2026, 3, 10, 15, 0, tzinfo=UTC),
)


@pytest.fixture
def receiver() -> Iterator[FakeWebhookReceiver]:
    with running_receiver() as server:
        yield server


@pytest.fixture
def sender(receiver: FakeWebhookReceiver) -> Iterator[WebhookSender]:
    made = WebhookSender(url=receiver.url, secret=SECRET, timeout=2.0)
    yield made
    made.close()


def _configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


def test_the_signature_is_an_hmac_of_timestamp_dot_body() -> None:
    body = b'{"id":"draft:7"}'
    header = signature_header("s3cret", 1_700_000_000, body)
    digest = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={digest}"
    assert verify("s3cret", header, body, now=1_700_000_100)
    assert not verify("s3cret", header, body + b" ", now=1_700_000_100)
    assert not verify("other", header, body, now=1_700_000_100)
    assert not verify("s3cret", header, body, now=1_700_000_000 + 301)  # a replay, later
    assert not verify("s3cret", "v1=" + digest, body, now=1_700_000_000)


def test_a_delivery_carries_the_payload_and_the_receivers_id(
    receiver: FakeWebhookReceiver, sender: WebhookSender
) -> None:
    result = sender.send(MESSAGE)
    assert (result.provider_id, result.status) == ("push-1", "sent")
    assert receiver.deliveries["draft:7"] == {
        "type": "message",
        "id": "draft:7",
        "message_id": 11,
        "channel": "webhook",
        "customer": {"external_id": "cust-42"},
        "subject": "On its way",
        "body": "Your order shipped",
        "campaign": 3,
        "playbook": "check_in",
        "created_at": "2026-03-10T15:00:00+00:00",
    }
    # The same message again is the same delivery at the receiver.
    assert sender.send(MESSAGE).provider_id == "push-1"
    assert receiver.attempts["draft:7"] == 2 and len(receiver.deliveries) == 1


@pytest.mark.parametrize(
    ("fault", "code", "retryable"),
    [
        (Fault(status=500), "500", True),
        (Fault(status=502), "502", True),
        (Fault(status=408), "408", True),
        (Fault(status=429, retry_after=30), "429", True),
        (Fault(status=400, body={"error": "no device"}), "400", False),
        (Fault(status=404), "404", False),
        (Fault(status=410), "410", False),
    ],
)
def test_statuses_map_to_retry_or_failure(
    receiver: FakeWebhookReceiver, sender: WebhookSender, fault: Fault, code: str, retryable: bool
) -> None:
    receiver.enqueue(fault)
    with pytest.raises(SendError) as caught:
        sender.send(MESSAGE)
    error = caught.value
    assert (error.code, error.retryable, error.uncertain) == (code, retryable, False)
    assert error.retry_after == (30.0 if code == "429" else None)
    if code == "400":
        assert "no device" in str(error)


def test_a_wrong_secret_is_refused_by_the_receiver(receiver: FakeWebhookReceiver) -> None:
    wrong = WebhookSender(url=receiver.url, secret="not-the-shared-secret")
    try:
        with pytest.raises(SendError) as caught:
            wrong.send(MESSAGE)
    finally:
        wrong.close()
    assert (caught.value.code, caught.value.retryable) == ("401", False)
    assert receiver.deliveries == {} and receiver.rejected == [(401, "bad signature")]


def test_a_timeout_is_uncertain_and_nothing_to_ask(receiver: FakeWebhookReceiver) -> None:
    impatient = WebhookSender(url=receiver.url, secret=SECRET, timeout=0.3)
    receiver.enqueue(Fault(hang=2.0))
    try:
        with pytest.raises(SendError) as caught:
            impatient.send(MESSAGE)
        assert impatient.find_sent(MESSAGE, since=MESSAGE.created_at or datetime.now(UTC)) is None
    finally:
        impatient.close()
    assert (caught.value.code, caught.value.retryable, caught.value.uncertain) == (
        "timeout",
        True,
        True,
    )
    assert list(receiver.deliveries) == ["draft:7"]  # it did arrive


def test_no_listener_is_a_retryable_certain_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = WebhookSender(url=f"http://127.0.0.1:{port}/hooks", secret=SECRET, timeout=1.0)
    try:
        with pytest.raises(SendError) as caught:
            closed.send(MESSAGE)
    finally:
        closed.close()
    assert (caught.value.code, caught.value.retryable, caught.value.uncertain) == (
        "connection",
        True,
        False,
    )


def test_settings_build_the_sender_only_when_complete(
    receiver: FakeWebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build_webhook_sender(get_settings()) is None
    half = _configure(monkeypatch, ASSISTANT_WEBHOOK_URL=receiver.url)
    assert build_webhook_sender(half) is None
    with pytest.raises(WebhookConfigError, match="needs ASSISTANT_WEBHOOK_SECRET"):
        WebhookSender.from_settings(half)
    (problem,) = [p for p in configuration_problems(half) if "WEBHOOK" in p.setting]
    assert "ASSISTANT_WEBHOOK_SECRET" in problem.line() and "\n" not in problem.line()
    whole = _configure(monkeypatch, ASSISTANT_WEBHOOK_SECRET=SECRET, ASSISTANT_WEBHOOK_TIMEOUT="3")
    built = build_webhook_sender(whole)
    assert isinstance(built, WebhookSender)
    built.close()
    assert not [p for p in configuration_problems(whole) if "WEBHOOK" in p.setting]


def test_doctor_pings_the_receiver(
    receiver: FakeWebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(provider_checks(get_settings())) == 0
    settings = _configure(
        monkeypatch, ASSISTANT_WEBHOOK_URL=receiver.url, ASSISTANT_WEBHOOK_SECRET=SECRET
    )
    (check,) = provider_checks(settings)
    found = check()
    assert (found.name, found.status) == ("webhook", "ok")
    assert receiver.pings == 1 and receiver.deliveries == {}
    wrong = _configure(monkeypatch, ASSISTANT_WEBHOOK_SECRET="another-secret")
    refused = check_webhook(wrong)
    assert refused.status == "problem" and "ASSISTANT_WEBHOOK_SECRET" in refused.fix
