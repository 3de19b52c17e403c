"""`assistant doctor` against real servers on loopback: a table of ok/problem with fixes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import get_settings
from assistant.db import get_engine
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.fakes.smtp_server import running_fake_smtp
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, running_fake_twilio

FROM_NUMBER = "+15005550006"


def doctor(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, dict[str, dict[str, str]]]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    rows = json.loads(result.stdout)
    return result.exit_code, {row["name"]: row for row in rows}


def test_embedded_defaults_are_healthy(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = doctor(monkeypatch)
    assert code == 0
    assert rows["configuration"]["status"] == "ok"
    assert rows["database"]["status"] == "ok"
    assert "created on first use" in rows["database"]["detail"]
    assert rows["broker"]["status"] == "skipped"
    assert set(rows) == {"configuration", "database", "broker"}


def test_table_output_lists_each_check(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0
    for word in ("configuration", "database", "broker", "ok"):
        assert word in result.output


def test_unmigrated_postgres_is_a_problem_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    code, rows = doctor(monkeypatch, ASSISTANT_DATABASE_URL=postgres_url)
    assert code == 1
    assert rows["database"]["status"] == "problem"
    assert "assistant db upgrade" in rows["database"]["fix"]


def test_unreachable_database_and_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = doctor(
        monkeypatch,
        ASSISTANT_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/test",
        ASSISTANT_BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert code == 1
    assert rows["database"]["status"] == "problem"
    assert rows["broker"]["status"] == "problem"
    assert "ASSISTANT_BROKER_URL" in rows["broker"]["fix"]


def test_invalid_setting_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = doctor(monkeypatch, ASSISTANT_REVIEW="email")
    assert code == 1
    assert "ASSISTANT_REVIEW" in rows["settings"]["detail"]


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


def test_llm_endpoint_gets_one_tiny_request(
    monkeypatch: pytest.MonkeyPatch, openai_server: FakeOpenAIServer
) -> None:
    code, rows = doctor(
        monkeypatch,
        ASSISTANT_LLM="openai",
        OPENAI_BASE_URL=openai_server.base_url,
        ASSISTANT_LLM_MODEL="tiny-model",
    )
    assert rows["llm"]["status"] == "ok", rows["llm"]
    assert code == 0
    assert openai_server.request_count == 1
    body = openai_server.bodies()[0]
    assert body["model"] == "tiny-model"
    assert body["max_tokens"] == 1


def test_llm_endpoint_down_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    code, rows = doctor(
        monkeypatch, ASSISTANT_LLM="openai", OPENAI_BASE_URL="http://127.0.0.1:1/v1"
    )
    assert code == 1
    assert rows["llm"]["status"] == "problem"
    assert "OPENAI_BASE_URL" in rows["llm"]["fix"]


def _slack_env(fake: FakeSlack, channel: str, token: str = BOT_TOKEN) -> dict[str, str]:
    return {
        "ASSISTANT_REVIEW": "slack",
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": "s" * 32,
        "SLACK_REVIEW_CHANNEL": channel,
        "SLACK_API_URL": fake.api_url,
    }


def test_slack_token_and_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSlack() as fake:
        code, rows = doctor(monkeypatch, **_slack_env(fake, "C0REVIEW"))
        methods = [call.method for call in fake.calls]
    assert code == 0, rows
    assert rows["slack"]["status"] == "ok"
    assert methods == ["auth.test", "conversations.info"]


def test_slack_wrong_token_or_missing_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSlack() as fake:
        fake.missing_channels.add("C0GONE")
        code, rows = doctor(monkeypatch, **_slack_env(fake, "C0GONE"))
        assert code == 1
        assert "channel_not_found" in rows["slack"]["detail"]
        code, rows = doctor(monkeypatch, **_slack_env(fake, "C0REVIEW", token="xoxb-wrong"))
        assert code == 1
        assert "invalid_auth" in rows["slack"]["detail"]
        assert "SLACK_BOT_TOKEN" in rows["slack"]["fix"]


def _twilio_env(api_url: str, **extra: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_URL": api_url,
        "ASSISTANT_PUBLIC_URL": "https://shop.example.com",
        **extra,
    }


def test_twilio_account_and_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_fake_twilio() as twilio:
        twilio.numbers.add(FROM_NUMBER)
        twilio.services.add("MG" + "1" * 32)
        code, rows = doctor(
            monkeypatch, **_twilio_env(twilio.base_url, TWILIO_FROM_NUMBER=FROM_NUMBER)
        )
        assert code == 0, rows
        assert rows["twilio"]["status"] == "ok"
        code, rows = doctor(
            monkeypatch,
            **_twilio_env(twilio.base_url, TWILIO_MESSAGING_SERVICE_SID="MG" + "1" * 32),
        )
        assert rows["twilio"]["status"] == "ok", rows["twilio"]
        assert not twilio.creates(), "the doctor must never send a message"


def test_twilio_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_fake_twilio() as twilio:
        code, rows = doctor(
            monkeypatch, **_twilio_env(twilio.base_url, TWILIO_FROM_NUMBER=FROM_NUMBER)
        )
        assert code == 1
        assert "TWILIO_FROM_NUMBER" in rows["twilio"]["detail"]
        code, rows = doctor(
            monkeypatch,
            **_twilio_env(
                twilio.base_url, TWILIO_FROM_NUMBER=FROM_NUMBER, TWILIO_AUTH_TOKEN="wrong"
            ),
        )
        assert code == 1
        assert "401" in rows["twilio"]["detail"]


def test_smtp_login(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"ASSISTANT_SECRET_KEY": "k" * 40, "ASSISTANT_PUBLIC_URL": "https://shop.example.com"}
    with running_fake_smtp(users={"shop": "right"}) as smtp:
        url = f"smtp://shop:right@127.0.0.1:{smtp.port}?starttls=false"
        code, rows = doctor(monkeypatch, ASSISTANT_SMTP_URL=url, **env)
        assert code == 0, rows
        assert rows["smtp"]["status"] == "ok"
        url = f"smtp://shop:wrong@127.0.0.1:{smtp.port}?starttls=false"
        code, rows = doctor(monkeypatch, ASSISTANT_SMTP_URL=url, **env)
        assert code == 1
        assert "login refused" in rows["smtp"]["detail"]


def test_shopify_store_answers_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.shopify_server import TOKEN, FakeShopifyServer

    server = FakeShopifyServer().start()
    try:
        env = {
            "SHOPIFY_SHOP_DOMAIN": "fake-coffee.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": TOKEN,
            "SHOPIFY_API_SECRET": "secret",
            "SHOPIFY_API_URL": server.url,
        }
        _, rows = doctor(monkeypatch, **env)
        assert rows["shopify"]["status"] == "ok", rows["shopify"]
        assert "Fake Coffee Co" in rows["shopify"]["detail"]
        _, rows = doctor(monkeypatch, **{**env, "SHOPIFY_ACCESS_TOKEN": "shpat_wrong"})
        assert rows["shopify"]["status"] == "problem"
        assert "SHOPIFY_ACCESS_TOKEN" in rows["shopify"]["fix"]
    finally:
        server.stop()
