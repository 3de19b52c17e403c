"""Settings: defaults that run with no credentials, env names that match .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import Settings, environment_variable_names, get_settings

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def _example_names() -> list[str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"([A-Z][A-Z0-9_]*)=", line))]


def test_env_example_lists_exactly_the_settings() -> None:
    assert sorted(_example_names()) == sorted(environment_variable_names())


def test_every_env_example_entry_has_a_comment_line_above_it() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"[A-Z][A-Z0-9_]*=", line):
            assert lines[index - 1].startswith("# "), f"{line} has no comment"


def test_defaults_are_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSISTANT_DATABASE_URL")
    settings = Settings()
    assert settings.database.url == "sqlite:///./assistant.db"
    assert settings.llm.provider == "offline"
    assert settings.slack.bot_token is None
    assert settings.worker.broker_url is None


def test_environment_overrides_and_secrets_stay_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    monkeypatch.setenv("ASSISTANT_DEFAULT_PHONE_REGION", "gb")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.llm.provider == "openai"
    assert settings.app.default_phone_region == "GB"
    assert "sk-test-not-real" not in repr(settings)
    assert settings.llm.api_key is not None
    assert settings.llm.api_key.get_secret_value() == "sk-test-not-real"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ASSISTANT_LLM_MODEL=local-model\n", encoding="utf-8")
    get_settings.cache_clear()
    assert get_settings().llm.model == "local-model"


def test_invalid_values_name_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "gpt5")
    with pytest.raises(ValidationError, match="ASSISTANT_LLM"):
        Settings()
