"""The composition root builds the `slack` ReviewChannel; the manifest asks for what we use."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import Engine

from assistant.config import Settings, get_settings
from assistant.ports import ReviewChannel
from assistant.wiring import build_slack_review_channel, sweep_slack_review
from connectors.slack.poster import SlackPoster
from tests.fakes.slack_server import FakeSlack
from tests.slack.seed import Store

MANIFEST = Path(__file__).resolve().parents[2] / "connectors" / "slack" / "manifest.yaml"
# Web API methods the app calls -> the bot scope each needs (views.* and auth.test need none).
SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "chat.postEphemeral": "chat:write",
    "users.info": "users:read",
    "usergroups.users.list": "usergroups:read",
    "conversations.history": "channels:history",
    "conversations.replies": "channels:history",
}


def test_the_slack_review_channel_fits_the_port_and_sweeps_unposted_cards(
    engine: Engine, fake: FakeSlack, slack_settings: Settings, store: Store
) -> None:
    channel = build_slack_review_channel(slack_settings, engine)
    assert isinstance(channel, ReviewChannel) and isinstance(channel, SlackPoster)
    assert sweep_slack_review(slack_settings, engine) == len(store.drafts)
    assert sweep_slack_review(slack_settings, engine) == 0
    assert len(fake.calls_of("chat.postMessage", ok=True)) == 1 + len(store.drafts)


def test_the_sweep_does_nothing_with_terminal_review(engine: Engine, store: Store) -> None:
    assert get_settings().review.channel == "terminal"
    assert sweep_slack_review(get_settings(), engine) == 0


def test_the_manifest_creates_the_app_we_run() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert set(SCOPES.values()) <= scopes
    assert "groups:history" in scopes and "chat:write.public" in scopes
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    assert "socket_mode_enabled" in settings
    assert manifest["features"]["bot_user"]["display_name"]
