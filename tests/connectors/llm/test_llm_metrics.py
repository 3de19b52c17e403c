"""The drafter's Prometheus metrics: request latency by outcome and tokens by kind."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from connectors.llm.openai_chat import ChatModelDrafter
from tests.connectors.llm.conftest import SettingsFor, draft_request
from tests.fakes.openai_server import FakeOpenAIServer, Reply, server_error


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _run(drafter: ChatModelDrafter) -> None:
    async def run() -> None:
        try:
            await drafter.draft(draft_request())
        except Exception:  # the outcome is what the metrics say
            pass
        finally:
            await drafter.aclose()

    asyncio.run(run())


def test_a_draft_counts_its_tokens_and_times_the_request(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    ok = {"provider": "openai", "outcome": "ok"}
    failed = {"provider": "openai", "outcome": "unavailable"}
    tokens_in = _sample("assistant_llm_tokens_total", provider="openai", kind="input")
    tokens_out = _sample("assistant_llm_tokens_total", provider="openai", kind="output")
    timed = _sample("assistant_llm_request_duration_seconds_count", **ok)
    errors = _sample("assistant_llm_request_duration_seconds_count", **failed)
    fake_openai.enqueue(Reply(usage=(321, 45)), server_error(503))
    settings = llm_settings(fake_openai)
    _run(ChatModelDrafter.from_settings(settings))
    _run(ChatModelDrafter.from_settings(settings))
    assert _sample("assistant_llm_tokens_total", provider="openai", kind="input") == tokens_in + 321
    assert (
        _sample("assistant_llm_tokens_total", provider="openai", kind="output") == tokens_out + 45
    )
    assert _sample("assistant_llm_request_duration_seconds_count", **ok) == timed + 1
    assert _sample("assistant_llm_request_duration_seconds_count", **failed) == errors + 1
