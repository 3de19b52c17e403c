"""A fake Slack Web API, settings pointing at it, a seeded review and the web app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import Settings, get_settings
from assistant.wiring import build_drafter
from connectors.slack.app import SlackRuntime, build_runtime
from connectors.slack.poster import SlackPoster
from connectors.slack.transport import ChannelPacer
from tests.fakes.slack_server import BOT_TOKEN, FakeSlack
from tests.slack.helpers import ANN, BOB, CAROL, CHANNEL, EVE, GROUP, SECRET
from tests.slack.seed import Store, seed

# Fast enough for tests, still a real per-channel interval.
TEST_INTERVAL = 0.02


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    users = {ANN: "Ann Reviewer", BOB: "Bob Reviewer", CAROL: "Carol Marketer", EVE: "Eve Other"}
    with FakeSlack(users=users, usergroups={GROUP: [CAROL]}) as server:
        yield server


@pytest.fixture
def slack_settings(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """SLACK_* settings for the fake workspace: Ann and Bob allowed by id, Carol by group."""
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_REVIEW_CHANNEL": CHANNEL,
        "SLACK_API_URL": fake.api_url,
        "SLACK_ALLOWED_USERS": f"{ANN}, {BOB}",
        "SLACK_ALLOWED_USERGROUP": GROUP,
        "ASSISTANT_REVIEW": "slack",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def runtime(engine: Engine, slack_settings: Settings) -> SlackRuntime:
    return build_runtime(
        slack_settings, engine, build_drafter=build_drafter, pacer=ChannelPacer(TEST_INTERVAL)
    )


@pytest.fixture
def poster(runtime: SlackRuntime) -> SlackPoster:
    return runtime.poster


@pytest.fixture
def web(engine: Engine, runtime: SlackRuntime) -> Iterator[TestClient]:
    """The web service with the Slack runtime under test."""
    app = create_app(engine)
    app.state.slack_runtime = runtime
    with TestClient(app) as client:
        yield client


@pytest.fixture
def store(engine: Engine) -> Store:
    return seed(engine)
