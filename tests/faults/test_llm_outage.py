"""The LLM server fails for a while in the middle of a campaign (HTTP 500s, then requests
that hang past the client's timeout): the campaign waits it out and completes with every
member's draft, none twice.

The fake OpenAI server answers normally, then an outage of 500s and hangs, then normally
again. Retries back off (assistant/drafting/retry.py, short waits here) with enough retries
configured that no single draft can exhaust them, so the outage shows as retries, not as
failed members.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.config import get_settings
from assistant.drafting.runner import RunSummary
from assistant.wiring import build_drafter
from tests.drafting.campaigns.helpers import brand, run
from tests.fakes.openai_server import FakeOpenAIServer, Reply, running_fake_openai
from tests.faults.campaigns import assert_one_draft_each, campaign_status, seed_campaign
from tests.faults.conftest import Database

MEMBERS = 60
HEALTHY_FIRST = 10
ERRORS = 16
HANGS = 4

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _point_at(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "ASSISTANT_LLM": "openai",
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-secret",
        "ASSISTANT_LLM_MODEL": "gpt-test",
        "ASSISTANT_LLM_RPM": "600000",
        "ASSISTANT_LLM_TPM": "1000000000",
        # More retries than failures in the outage: no draft can run out of them.
        "ASSISTANT_LLM_MAX_RETRIES": str(ERRORS + HANGS),
        # A hang is cut off after 2 s; generous, so a busy machine's normal answers are not.
        "ASSISTANT_LLM_TIMEOUT": "2",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_a_campaign_outlasts_an_llm_outage_of_errors_and_hangs(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaign_id = seed_campaign(database.engine, MEMBERS)
    with running_fake_openai() as server:
        _point_at(server, monkeypatch)

        def outage(index: int, _body: dict[str, Any]) -> Reply | None:
            # Once the campaign is under way, the outage starts with the next request.
            if index == HEALTHY_FIRST:
                server.fail_next(ERRORS, status=500)
                server.hang_next(HANGS, seconds=30)
            return None

        server.policy = outage
        summary: RunSummary = run(
            database.engine,
            campaign_id,
            build_drafter(get_settings(), brand()),
            concurrency=4,
        )
        requests = server.request_count
    assert summary.status == "completed", summary
    assert summary.failed == {} and summary.pending == 0
    # Every failed request was retried (a normal answer slowed past the timeout by a busy
    # machine would be one more).
    assert summary.retries >= ERRORS + HANGS
    assert requests == MEMBERS + summary.retries
    assert campaign_status(database.engine, campaign_id) == "completed"
    assert_one_draft_each(database.engine, campaign_id)
