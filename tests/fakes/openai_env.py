"""Point the real drafter (openai SDK through LangChain) at a fake OpenAI server by settings."""

from __future__ import annotations

import pytest

from assistant.config import get_settings
from tests.fakes.openai_server import FakeOpenAIServer


def use_fake_model(monkeypatch: pytest.MonkeyPatch, fake: FakeOpenAIServer, **extra: str) -> None:
    """`ASSISTANT_LLM=openai` against `fake`, one retry, plus `extra` settings (by env name)."""
    for name, value in {
        "ASSISTANT_LLM": "openai",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-secret",
        "ASSISTANT_LLM_MODEL": "gpt-test",
        "ASSISTANT_LLM_MAX_RETRIES": "1",
        **extra,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
