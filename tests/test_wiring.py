"""The composition root builds the drafter ASSISTANT_LLM names, from settings alone."""

from __future__ import annotations

import asyncio
import json

import pytest

from assistant.config import Settings
from assistant.drafting.brand import Brand, load_brand
from assistant.ports import Drafter, DraftRequest
from assistant.wiring import DrafterConfigError, build_drafter
from tests.fakes.openai_server import running_fake_openai


@pytest.fixture
def brand() -> Brand:
    return load_brand()


def _request() -> DraftRequest:
    facts = {"customer": {"first_name": "Maya", "first_sms": False}, "channel": "sms"}
    return DraftRequest(
        playbook="check_in",
        channel="sms",
        prompt_version="1",
        system="Write briefly.",
        prompt=f"Facts: {json.dumps(facts)}",
        facts=facts,
    )


def test_offline_is_the_default(brand: Brand) -> None:
    drafter = build_drafter(Settings(), brand)
    assert isinstance(drafter, Drafter)
    assert drafter.name == "offline"


def test_openai_without_key_or_base_url_names_both_variables(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "openai")
    with pytest.raises(DrafterConfigError, match=r"OPENAI_API_KEY.*OPENAI_BASE_URL"):
        build_drafter(Settings(), brand)


@pytest.mark.parametrize(
    ("key", "sent"), [(None, "Bearer not-needed"), ("sk-local-123", "Bearer sk-local-123")]
)
def test_openai_with_a_base_url_drafts_there(
    brand: Brand, monkeypatch: pytest.MonkeyPatch, key: str | None, sent: str
) -> None:
    with running_fake_openai() as server:
        monkeypatch.setenv("ASSISTANT_LLM", "openai")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        if key:
            monkeypatch.setenv("OPENAI_API_KEY", key)
        drafter = build_drafter(Settings(), brand)
        assert isinstance(drafter, Drafter)

        async def run() -> str:
            try:
                return (await drafter.draft(_request())).body
            finally:
                await drafter.aclose()

        assert asyncio.run(run()).startswith("Hi Maya,")
    assert server.requests[0].headers["authorization"] == sent


def test_a_hosted_key_alone_is_enough_to_build(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-hosted")
    drafter = build_drafter(Settings(), brand)
    assert drafter.name == "openai"
    asyncio.run(drafter.aclose())


def test_an_unknown_chat_provider_is_a_config_error(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_LLM", "openai")
    monkeypatch.setenv("ASSISTANT_LLM_PROVIDER", "nonesuch")
    with pytest.raises(DrafterConfigError, match="ASSISTANT_LLM_PROVIDER='nonesuch'"):
        build_drafter(Settings(), brand)
