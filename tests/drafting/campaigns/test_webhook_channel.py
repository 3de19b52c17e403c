"""Campaigns on the webhook (push / in-app) channel: chosen by `--channel webhook` or the API,
refused in one line while the channel has no URL and secret, drafted as short texts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting import commands
from assistant.drafting.guardrails import check_draft
from assistant.models import Campaign
from tests.clitools import invoke
from tests.drafting.campaigns.helpers import drafts

ARGS = ["--playbook", "recognition", "--segment", "recent_buyers_30d", "--channel", "webhook"]
KEY = "campaign-key-0123456789"


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commands.console, "width", 240)
    monkeypatch.setattr(commands.errors, "width", 240)


def _configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_WEBHOOK_URL", "https://push.example.com/hooks/messages")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_SECRET", "whsec-campaign-test-secret")
    get_settings.cache_clear()


def _campaigns(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(select(func.count()).select_from(Campaign)).scalar_one())


def test_without_url_and_secret_the_channel_is_refused_in_one_line(demo: Engine) -> None:
    result = invoke("drafts", "generate", *ARGS)
    assert result.exit_code == 2
    assert "the webhook channel needs ASSISTANT_WEBHOOK_URL and ASSISTANT_WEBHOOK_SECRET" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert _campaigns(demo) == 0


def test_a_webhook_campaign_is_drafted_as_short_texts(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch)
    result = invoke("drafts", "generate", *ARGS, "--limit", "5")
    assert result.exit_code == 0, result.output
    with unit_of_work(demo) as session:
        campaign = session.execute(select(Campaign)).scalar_one()
        assert campaign.channel == "webhook"
    made = drafts(demo, campaign.id)
    assert len(made) == 5
    for draft in made:
        assert draft.channel == "webhook"
        assert draft.subject is None
        # The one-line SMS sign-off ("Warmly, Sam at Ember & Oak"), not an email's three lines.
        assert draft.body.rstrip().splitlines()[-1].endswith(" at Ember & Oak")
        # A reviewer's edit is checked by the same rules as an SMS.
        assert check_draft(channel="webhook", body=draft.body, facts=draft.facts) == check_draft(
            channel="sms", body=draft.body, facts=draft.facts
        )


def test_the_api_accepts_the_webhook_channel(demo: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    body = {"playbook": "recognition", "segment": "recent_buyers_30d", "channel": "webhook"}
    auth = {"Authorization": f"Bearer {KEY}"}
    get_settings.cache_clear()
    client = TestClient(create_app(demo))
    refused = client.post("/api/v1/campaigns", json=body, headers=auth)
    assert refused.status_code == 422
    assert "ASSISTANT_WEBHOOK_SECRET" in refused.json()["detail"]
    _configure(monkeypatch)
    accepted = client.post("/api/v1/campaigns", json={**body, "limit": 2}, headers=auth)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["channel"] == "webhook"
    fax = client.post("/api/v1/campaigns", json={**body, "channel": "fax"}, headers=auth)
    assert fax.status_code == 422
