"""Slack and the API meet on the task runner: Slack's Regenerate queues the registered task
"review.regenerate", and a decision made through `/api/v1/drafts` updates the Slack card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import Settings, get_settings
from assistant.db import unit_of_work
from assistant.jobs.runners import InProcessRunner
from assistant.models import AuditEntry, Draft
from connectors.slack.actions import ActionId, BlockId
from connectors.slack.app import build_runtime
from connectors.slack.poster import SlackPoster
from connectors.slack.transport import ChannelPacer
from tests.fakes.slack_server import FakeSlack, Posted
from tests.slack.conftest import TEST_INTERVAL
from tests.slack.helpers import ANN, CHANNEL, click, eventually, has_buttons, post, submit, texts
from tests.slack.seed import Store

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


class RunnerLog(InProcessRunner):
    """The in-process runner, keeping the name of every task it ran (once it is done)."""

    def __init__(self) -> None:
        self.ran: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        super().enqueue(name, **kwargs)
        self.ran.append((name, kwargs))


def draft_row(engine: Engine, draft_id: int) -> Draft:
    with unit_of_work(engine) as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft


def actions(engine: Engine, draft_id: int) -> list[tuple[str, str]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id)
            .order_by(AuditEntry.id)
        )
        return [(actor, action) for actor, action in rows]


def card_of(engine: Engine, fake: FakeSlack, draft_id: int) -> Posted:
    return fake.message(CHANNEL, draft_row(engine, draft_id).slack_ts or "")


def test_slack_regenerate_runs_the_registered_task_on_the_runner(
    engine: Engine, fake: FakeSlack, slack_settings: Settings, store: Store
) -> None:
    runner = RunnerLog()
    runtime = build_runtime(
        slack_settings, engine, pacer=ChannelPacer(TEST_INTERVAL), runner=runner
    )
    app = create_app(engine)
    app.state.slack_runtime = runtime
    runtime.poster.post_campaign(store.campaign_id)
    draft_id = store.drafts[1]
    before = draft_row(engine, draft_id)
    shown = card_of(engine, fake, draft_id)
    with TestClient(app) as web:
        post(web, click(shown, ActionId.REGENERATE, ANN))
        opened = eventually(lambda: fake.views[0] if fake.views else None, what="views.open")
        post(web, submit(opened, ANN, {BlockId.INSTRUCTION: "shorter"}))
        eventually(lambda: runner.ran, what="the task")
    assert runner.ran == [
        (
            "review.regenerate",
            {"draft_id": draft_id, "instruction": "shorter", "actor_id": f"slack:{ANN}"},
        )
    ]
    after = draft_row(engine, draft_id)
    assert after.body != before.body and after.regenerating_at is None
    assert actions(engine, draft_id)[-1] == (f"slack:{ANN}", "draft.regenerated")
    # The task showed the new text on the card (the review channel it built from settings).
    eventually(lambda: after.body in texts(shown.blocks), what="the new text on the card")


@pytest.fixture
def api(
    engine: Engine, slack_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as client:
        yield client


def test_an_api_decision_updates_the_slack_card(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store, api: TestClient
) -> None:
    poster.post_campaign(store.campaign_id)
    draft_id = store.drafts[0]
    shown = card_of(engine, fake, draft_id)
    assert has_buttons(shown.blocks)
    response = api.post(f"/api/v1/drafts/{draft_id}/reject", json={"reason": "no"}, headers=AUTH)
    assert response.status_code == 200
    eventually(lambda: shown.updates >= 1, what="chat.update")
    assert "Rejected" in texts(shown.blocks) and not has_buttons(shown.blocks)
    assert actions(engine, draft_id) == [("api:bootstrap", "draft.rejected")]


def test_an_api_regeneration_shows_the_new_text_on_the_card(
    engine: Engine, fake: FakeSlack, poster: SlackPoster, store: Store, api: TestClient
) -> None:
    poster.post_campaign(store.campaign_id)
    draft_id = store.drafts[2]
    shown = card_of(engine, fake, draft_id)
    response = api.post(f"/api/v1/drafts/{draft_id}/regenerate", headers=AUTH)
    assert response.status_code == 202
    after = draft_row(engine, draft_id)
    assert after.regenerating_at is None
    # First "Regenerating", then the new text with the buttons back.
    eventually(lambda: shown.updates >= 2, what="two card updates")
    assert after.body in texts(shown.blocks) and has_buttons(shown.blocks)
    assert actions(engine, draft_id) == [
        ("api:bootstrap", "draft.regeneration_requested"),
        ("api:bootstrap", "draft.regenerated"),
    ]
