"""The fake OpenAI-compatible server and drafter settings pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from assistant.config import LLMSettings
from assistant.ports import DraftRequest
from tests.fakes.openai_server import FakeOpenAIServer, running_fake_openai

API_KEY = "sk-test-NEVER-LOGGED-4f1c9e"

FACTS: dict[str, Any] = {
    "schema": 1,
    "playbook": "check_in",
    "channel": "sms",
    "brand": {"name": "Ember & Oak", "sender": "Sam"},
    "customer": {"first_name": "Maya", "first_sms": True},
    "purchase": {"product": "Cast Iron Skillet 10in", "ordered_on": "2026-11-18", "days_ago": 5},
}


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    """A fresh fake server per test (zero latency, default responder)."""
    with running_fake_openai() as server:
        yield server


SettingsFor = Callable[..., LLMSettings]


@pytest.fixture
def llm_settings(monkeypatch: pytest.MonkeyPatch) -> SettingsFor:
    """`llm_settings(server, **env)`: LLMSettings read from the environment, as users set it."""

    def build(server: FakeOpenAIServer | None = None, **env: str) -> LLMSettings:
        values = {"ASSISTANT_LLM": "openai", "OPENAI_API_KEY": API_KEY, **env}
        if server is not None:
            values.setdefault("OPENAI_BASE_URL", server.base_url)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return LLMSettings()

    return build


def draft_request(channel: str = "sms", **facts: Any) -> DraftRequest:
    """A request whose prompt carries the facts as JSON, as the prompt templates do."""
    receipt = {**FACTS, "channel": channel, **facts}
    return DraftRequest(
        playbook=str(receipt["playbook"]),
        channel="email" if channel == "email" else "sms",
        prompt_version="test-1",
        system="You write short, warm messages for Ember & Oak.",
        prompt="Write a check-in message.\nFacts:\n" + json.dumps(receipt),
        facts=receipt,
    )
