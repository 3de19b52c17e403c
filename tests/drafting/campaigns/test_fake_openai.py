"""Campaigns through the real client stack (LangChain ChatOpenAI on the openai SDK) against
the fake OpenAI-compatible server on loopback: failures, storms, a dying server, bad output."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.drafting.ratelimit import RateLimiter
from assistant.ports import Drafter
from assistant.wiring import build_drafter
from tests.drafting.campaigns.helpers import brand, create, drafts, members, run
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    malformed,
    rate_limited,
    running_fake_openai,
    slow,
    user_prompt,
)

FACT_LINE = re.compile(r"^(\w+): (\{.*\})$", re.MULTILINE)
BLOCKED = "Your last draft was blocked"


def prompt_facts(request: dict[str, Any]) -> dict[str, Any]:
    """The fact groups the prompt lists, one JSON object per line."""
    found: dict[str, Any] = {}
    for key, text in FACT_LINE.findall(user_prompt(request)):
        try:
            found[key] = json.loads(text)
        except ValueError:
            continue
    return found


def good_draft(request: dict[str, Any]) -> dict[str, Any]:
    """What a well-behaved model writes: the first name, warmth, nothing invented."""
    name = prompt_facts(request).get("customer", {}).get("first_name", "there")
    prompt = user_prompt(request)
    body = (
        f"Hi {name},\n\nI wanted to say a personal thank you for shopping with us. It means a "
        "lot to a small shop like ours, and we are always here if you need anything at all."
        "\n\nWarmly,\nSam\nEmber & Oak"
    )
    if 'then "Reply STOP to opt out"' in prompt:
        body += "\nReply STOP to opt out"
    return {"body": body, "subject": f"A thank you, {name}", "facts_used": ["customer.first_name"]}


def inventing_draft(request: dict[str, Any]) -> dict[str, Any]:
    """A model that makes up a discount code, every time."""
    draft = good_draft(request)
    draft["body"] = draft["body"].replace("at all.", "at all. Use code WELCOME10 for a treat.")
    return draft


def inventing_once(request: dict[str, Any]) -> dict[str, Any]:
    """Makes up a code, but listens to the guardrail feedback."""
    return good_draft(request) if BLOCKED in user_prompt(request) else inventing_draft(request)


@pytest.fixture
def store(demo: Engine) -> Engine:
    return demo


def point_at(fake: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    """Settings for the openai drafter on `fake`, limits high enough not to slow tests."""
    settings = {
        "ASSISTANT_LLM": "openai",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-secret",
        "ASSISTANT_LLM_MODEL": "gpt-test",
        "ASSISTANT_LLM_RPM": "60000",
        "ASSISTANT_LLM_TPM": "100000000",
        "ASSISTANT_LLM_MAX_RETRIES": "4",
        **extra,
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    with running_fake_openai(good_draft) as fake:
        point_at(fake, monkeypatch)
        yield fake


def real_drafter() -> Drafter:
    return build_drafter(get_settings(), brand())


def campaign(store: Engine, limit: int = 24) -> tuple[int, int]:
    campaign_id = create(
        store, "recognition", segment="recent_buyers_30d", channel="email", limit=limit
    )
    eligible = sum(1 for status, _ in members(store, campaign_id).values() if status == "pending")
    assert eligible == limit
    return campaign_id, eligible


def once_each(store: Engine, campaign_id: int, eligible: int) -> None:
    counts = Counter(d.customer_id for d in drafts(store, campaign_id))
    assert len(counts) == eligible and max(counts.values()) == 1


def test_a_campaign_drafts_every_eligible_customer_once(
    store: Engine, server: FakeOpenAIServer
) -> None:
    campaign_id, eligible = campaign(store)
    summary = run(store, campaign_id, real_drafter(), concurrency=6)
    assert summary.status == "completed"
    assert summary.drafted == eligible and summary.needs_attention == 0
    assert server.request_count == eligible
    assert summary.tokens_in > 0 and summary.tokens_out > 0 and summary.cost > 0
    once_each(store, campaign_id, eligible)
    found = drafts(store, campaign_id)
    assert all(d.model == "gpt-test" and d.subject and d.tokens_in > 0 for d in found)
    # The facts reached the model as data; no personal details beyond the first name.
    for body in server.bodies():
        text = json.dumps(body)
        assert "@" not in text and "first_name" in text


def test_a_429_storm_with_retry_after_still_completes(
    store: Engine, server: FakeOpenAIServer
) -> None:
    campaign_id, eligible = campaign(store)
    server.enqueue(*[rate_limited(retry_after=0.2) for _ in range(10)])
    summary = run(store, campaign_id, real_drafter(), concurrency=4)
    assert summary.status == "completed" and summary.drafted == eligible
    assert summary.retries >= 10
    assert server.request_count == eligible + 10
    first = server.requests[0].received_at
    answered_after = [r.received_at for r in server.requests[10:]]
    assert min(answered_after) - first >= 0.19  # nobody came back before Retry-After
    once_each(store, campaign_id, eligible)


def test_a_server_that_dies_mid_campaign_then_a_rerun_finishes_without_duplicates(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_fake_openai(good_draft, die_after=10) as fake:
        point_at(fake, monkeypatch, ASSISTANT_LLM_MAX_RETRIES="1")
        campaign_id, eligible = campaign(store)
        first = run(store, campaign_id, real_drafter(), concurrency=2)
        assert first.status == "failed"
        assert first.drafted == 10
        assert first.failed == {"unavailable": eligible - 10}
        assert fake.dead

        fake.revive()
        before = fake.request_count
        second = run(store, campaign_id, real_drafter(), concurrency=2)
        assert second.status == "completed" and second.failed == {}
        assert second.drafted == eligible - 10
        assert second.skipped["already_drafted"] == 10
        assert fake.request_count - before == eligible - 10
    once_each(store, campaign_id, eligible)


def test_an_invented_code_is_regenerated_once_then_needs_attention(
    store: Engine, server: FakeOpenAIServer
) -> None:
    server.responder = inventing_draft
    campaign_id, eligible = campaign(store, limit=8)
    summary = run(store, campaign_id, real_drafter())
    assert summary.needs_attention == eligible and summary.drafted == 0
    assert server.request_count == 2 * eligible
    second_tries = [b for b in server.bodies() if BLOCKED in json.dumps(b)]
    assert len(second_tries) == eligible
    assert "WELCOME10" in json.dumps(second_tries[0])
    for draft in drafts(store, campaign_id):
        assert draft.state == "needs_attention" and draft.attempts == 2
        assert "invented_code" in {item["code"] for item in draft.findings["items"]}


def test_a_model_that_listens_to_the_feedback_passes_on_the_second_attempt(
    store: Engine, server: FakeOpenAIServer
) -> None:
    server.responder = inventing_once
    campaign_id, eligible = campaign(store, limit=8)
    summary = run(store, campaign_id, real_drafter())
    assert summary.drafted == eligible and summary.needs_attention == 0
    assert all("WELCOME10" not in d.body for d in drafts(store, campaign_id))


def test_malformed_json_and_a_timeout_are_retried(
    store: Engine, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "0.3")
    get_settings.cache_clear()
    campaign_id, eligible = campaign(store, limit=10)
    server.enqueue(malformed(), malformed(), malformed(), slow(3.0))
    summary = run(store, campaign_id, real_drafter(), concurrency=1)
    assert summary.status == "completed" and summary.drafted == eligible
    assert summary.retries == 4
    assert server.request_count == eligible + 4
    once_each(store, campaign_id, eligible)


class ServerPacedClock:
    """Simulated time for the rate limiter that moves only when the limiter sleeps, and only
    once every request it admitted has reached the server: the server stamps each arrival
    with this clock, so an arrival's time is exactly its admission time, however busy the
    machine is."""

    def __init__(self, server: FakeOpenAIServer) -> None:
        self.now = 1000.0
        self.server = server
        self.limiter: RateLimiter | None = None

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert self.limiter is not None
        # A bound on waiting (a minute or more of polls), not a speed requirement.
        for _ in range(60_000):
            if self.server.request_count >= self.limiter.admitted:
                break
            await asyncio.sleep(0.001)
        else:
            raise AssertionError("admitted requests never reached the server")
        self.now += seconds


def test_requests_per_minute_are_respected_against_the_server(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM_RPM", "300")  # 5 a second, a burst of 5
    with running_fake_openai(good_draft) as fake:
        clock = ServerPacedClock(fake)
        fake.clock = clock
        point_at(fake, monkeypatch, ASSISTANT_LLM_RPM="300")
        llm = get_settings().llm
        limiter = RateLimiter(
            llm.requests_per_minute, llm.tokens_per_minute, clock=clock, sleep=clock.sleep
        )
        clock.limiter = limiter
        campaign_id, eligible = campaign(store, limit=20)
        run(store, campaign_id, real_drafter(), concurrency=10, limiter=limiter)
    times = sorted(r.received_at for r in fake.requests)
    assert len(times) == eligible == limiter.admitted
    once_each(store, campaign_id, eligible)
    # A burst of 5, then 295/60 a second: 20 requests span at least 15 refills (3.05 s of
    # simulated time), and any 10 in a row at least 5 refills (1.02 s).
    refill = 60 / (300 - 5)
    assert times[:5] == [times[0]] * 5
    assert times[-1] - times[0] >= 15 * refill - 1e-6
    assert all(later - times[i] >= 5 * refill - 1e-6 for i, later in enumerate(times[10:]))
    # ... and no faster than that: the limiter does not hold requests back needlessly.
    assert times[-1] - times[0] <= 16 * refill
