"""The fake OpenAI server's DEFAULT responder against our real prompts: every playbook's
campaign comes back as drafts ready for review, none needing attention.

A third of the store is renamed Zoë and a third João first: names GSM-7 cannot write, which
turn an SMS into UCS-2 (70 characters a segment) unless the draft spells them plainly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer
from assistant.wiring import build_drafter
from tests.drafting.campaigns.helpers import brand, create, drafts, members, run
from tests.fakes.openai_server import FakeOpenAIServer, running_fake_openai

CAMPAIGN_PLAYBOOKS = ("recognition", "check_in", "upsell", "re_engagement")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    """The fake server with its default responder; the openai drafter pointed at it."""
    with running_fake_openai() as server:
        for name, value in {
            "ASSISTANT_LLM": "openai",
            "OPENAI_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-secret",
            "ASSISTANT_LLM_MODEL": "gpt-test",
            "ASSISTANT_LLM_RPM": "60000",
            "ASSISTANT_LLM_TPM": "100000000",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        yield server


@pytest.mark.parametrize("playbook", CAMPAIGN_PLAYBOOKS)
def test_the_default_responder_drafts_every_playbook_ready_for_review(
    demo: Engine, fake: FakeOpenAIServer, playbook: str
) -> None:
    with unit_of_work(demo) as session:
        for remainder, name in ((0, "Zoë"), (1, "João")):
            session.execute(
                update(Customer).where(Customer.id % 3 == remainder).values(first_name=name)
            )
    for channel in ("sms", "email"):
        campaign_id = create(demo, playbook, channel=channel)
        statuses = [status for status, _ in members(demo, campaign_id).values()]
        eligible = statuses.count("pending")
        assert eligible > 0, f"the demo store has no {playbook}/{channel} member to draft"
        before = fake.request_count
        summary = run(demo, campaign_id, build_drafter(get_settings(), brand()), concurrency=4)
        assert summary.status == "completed"
        assert (summary.drafted, summary.needs_attention, summary.failed) == (eligible, 0, {})
        # One request per draft: nothing was blocked and regenerated.
        assert fake.request_count - before == eligible
        found = drafts(demo, campaign_id)
        assert {d.state for d in found} == {"pending_review"}
        for draft in found:
            blocking = [i for i in draft.findings["items"] if i["severity"] == "block"]
            assert blocking == [] and draft.attempts == 1
            first_name = draft.facts["customer"]["first_name"]
            assert draft.body.startswith("Hi ") and draft.model == "gpt-test"
            if channel == "email":
                assert first_name in draft.body and draft.subject
            else:
                assert draft.subject is None and draft.findings["items"] == []
