"""Socket Mode: built from SLACK_APP_TOKEN around the same Bolt app; nothing connects here."""

from __future__ import annotations

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from assistant.config import Settings, get_settings
from connectors.slack.app import (
    SlackNotConfigured,
    SlackRuntime,
    build_runtime,
    build_socket_mode_handler,
    start_socket_mode,
)
from tests.fakes.slack_server import FakeSlack


def test_the_handler_is_built_when_an_app_token_is_set(
    fake: FakeSlack, runtime: SlackRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0FAKE-1-secret")
    get_settings.cache_clear()
    handler = build_socket_mode_handler(runtime, get_settings())
    assert isinstance(handler, SocketModeHandler)
    assert handler.app is runtime.app
    assert handler.app_token == "xapp-1-A0FAKE-1-secret"
    assert handler.client.web_client.base_url == fake.api_url
    assert fake.calls == []  # nothing connected


def test_without_an_app_token_there_is_no_socket_mode(
    fake: FakeSlack, slack_settings: Settings
) -> None:
    assert start_socket_mode(slack_settings) is None
    runtime = build_runtime(slack_settings)
    with pytest.raises(SlackNotConfigured, match="SLACK_APP_TOKEN"):
        build_socket_mode_handler(runtime, slack_settings)
    assert fake.calls == []


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    get_settings.cache_clear()
    with pytest.raises(SlackNotConfigured, match="SLACK_SIGNING_SECRET, SLACK_REVIEW_CHANNEL"):
        build_runtime(get_settings())
