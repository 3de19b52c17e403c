"""The web service with Twilio webhook settings, and a fake Twilio REST API for sends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.conversations.helpers import OUR_NUMBER, PUBLIC
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTwilioServer]:
    """A fake Twilio REST API; the SMS sender (and webhook signatures) use its account."""
    with FakeTwilioServer() as server:
        for name, value in {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": OUR_NUMBER,
            "TWILIO_API_URL": server.base_url,
            "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


@pytest.fixture
def web(engine: Engine, twilio: FakeTwilioServer) -> Iterator[TestClient]:
    """The web service on the test database (background jobs run before a call returns)."""
    with TestClient(create_app(engine)) as client:
        yield client
