"""The fake Twilio REST API and senders built from settings pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from assistant.config import get_settings
from connectors.twilio.sms import TwilioSmsSender
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer, running_fake_twilio

PUBLIC_URL = "https://shop.example.com"
SERVICE_SID = "MG" + "a" * 32
FROM_NUMBER = "+15005550006"
CUSTOMER = "+14155550123"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilioServer]:
    """A fresh fake Twilio API per test."""
    with running_fake_twilio() as server:
        yield server


SenderFor = Callable[..., TwilioSmsSender]


@pytest.fixture
def sms_sender(monkeypatch: pytest.MonkeyPatch) -> SenderFor:
    """`sms_sender(server, timeout=..., **env)`: a sender built from TWILIO_* settings."""

    def build(
        server: FakeTwilioServer, *, timeout: float | None = None, **env: str
    ) -> TwilioSmsSender:
        values = {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
            "TWILIO_API_URL": server.base_url,
            "ASSISTANT_PUBLIC_URL": PUBLIC_URL,
            **env,
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        sender = TwilioSmsSender.from_settings(get_settings())
        if timeout is not None:
            sender = TwilioSmsSender(
                account_sid=values["TWILIO_ACCOUNT_SID"],
                auth_token=values["TWILIO_AUTH_TOKEN"],
                messaging_service_sid=values["TWILIO_MESSAGING_SERVICE_SID"] or None,
                from_number=values.get("TWILIO_FROM_NUMBER") or None,
                status_callback_url=sender.status_callback_url,
                api_url=server.base_url,
                timeout=timeout,
            )
        return sender

    return build
