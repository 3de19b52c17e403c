"""Campaigns started at the same moment on SQLite: every request is answered 2xx, and every
campaign ends drafted, or failed with a reason, never left `running`."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.drafting.tasks import DRAFT_CAMPAIGN
from assistant.jobs.registry import get_task
from assistant.models import Campaign

KEY = "concurrent-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
CREATE = {"playbook": "recognition", "segment": "recent_buyers_30d", "channel": "email"}
REQUESTS = 6


@pytest.fixture
def sqlite_demo(demo_sqlite: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    from tests.drafting.campaigns.conftest import clean

    monkeypatch.setenv("ASSISTANT_DATABASE_URL", str(demo_sqlite.url))
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    clean(demo_sqlite)
    return demo_sqlite


def test_concurrent_creates_all_answer_and_every_campaign_finishes(sqlite_demo: Engine) -> None:
    app = create_app(sqlite_demo)
    barrier = threading.Barrier(REQUESTS)
    answers: list[Any] = [None] * REQUESTS

    def create(index: int) -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait()
            answers[index] = client.post(
                "/api/v1/campaigns", json={**CREATE, "limit": 5}, headers=AUTH
            )

    threads = [threading.Thread(target=create, args=(i,)) for i in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [202] * REQUESTS, [a.text for a in answers]
    with unit_of_work(sqlite_demo) as session:
        campaigns = session.execute(select(Campaign)).scalars().all()
        assert len(campaigns) == REQUESTS
        for campaign in campaigns:
            assert campaign.status in ("completed", "failed"), campaign.status
            if campaign.status == "failed":
                assert campaign.summary["last_run"]["error"]


def test_a_drafting_job_that_dies_marks_the_campaign_failed_with_the_reason(
    sqlite_demo: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with unit_of_work(sqlite_demo) as session:
        # Options it cannot start from: the run dies after claiming the campaign.
        campaign = Campaign(
            name="broken", playbook="recognition", segment="recent_buyers_30d",
            channel="email", options={"as_of": "not a date"},
        )  # fmt: skip
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    with caplog.at_level(logging.INFO):
        outcome = get_task(DRAFT_CAMPAIGN)(campaign_id=campaign_id)
    assert outcome["failed"].startswith("ValueError")
    with unit_of_work(sqlite_demo) as session:
        stored = session.get_one(Campaign, campaign_id)
        assert stored.status == "failed"
        assert stored.summary["last_run"]["error"].startswith("ValueError")
    assert f"drafting.run_failed campaign={campaign_id} reason=ValueError" in caplog.text
