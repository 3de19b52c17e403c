"""The fake OpenAI-compatible server itself, driven by the real openai SDK and plain HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest

from tests.connectors.llm.conftest import FACTS
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Reply,
    facts_in,
    plausible_draft,
    running_fake_openai,
    server_error,
)


def _client(server: FakeOpenAIServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-fake", max_retries=0)


def _prompt() -> list[Any]:
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Facts: " + json.dumps(FACTS)},
    ]


def test_a_plain_completion_has_text_and_usage(fake_openai: FakeOpenAIServer) -> None:
    async def run() -> Any:
        async with _client(fake_openai) as client:
            return await client.chat.completions.create(model="m-1", messages=_prompt())

    completion = asyncio.run(run())
    assert completion.model == "m-1"
    assert completion.choices[0].message.content.startswith("Hi Maya,")
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    [recorded] = fake_openai.requests
    assert recorded.headers["authorization"] == "Bearer sk-fake"
    assert recorded.body["messages"][1]["content"].startswith("Facts:")


def test_json_object_and_tool_requests_get_json_back(fake_openai: FakeOpenAIServer) -> None:
    tool: Any = {
        "type": "function",
        "function": {"name": "Draft", "parameters": {"type": "object", "properties": {}}},
    }

    async def run() -> tuple[Any, Any]:
        async with _client(fake_openai) as client:
            as_json = await client.chat.completions.create(
                model="m", messages=_prompt(), response_format={"type": "json_object"}
            )
            as_tool = await client.chat.completions.create(
                model="m", messages=_prompt(), tools=[tool], tool_choice="auto"
            )
            return as_json, as_tool

    as_json, as_tool = asyncio.run(run())
    assert json.loads(as_json.choices[0].message.content)["body"].startswith("Hi Maya,")
    call = as_tool.choices[0].message.tool_calls[0]
    assert call.function.name == "Draft"
    assert json.loads(call.function.arguments)["facts_used"] == [
        "customer.first_name",
        "purchase.product",
    ]
    assert as_tool.choices[0].finish_reason == "tool_calls"


def test_the_policy_scripts_answers_by_request_number() -> None:
    with running_fake_openai(policy=lambda i, _: server_error(503) if i % 2 else None) as server:
        statuses = [
            httpx.post(f"{server.base_url}/chat/completions", json={"model": "m", "messages": []})
            for _ in range(4)
        ]
    assert [r.status_code for r in statuses] == [503, 200, 503, 200]


def test_unknown_paths_are_404_and_still_recorded(fake_openai: FakeOpenAIServer) -> None:
    response = httpx.get(f"{fake_openai.base_url}/models")
    assert response.status_code == 404
    assert fake_openai.request_count == 1


def test_a_chunked_request_body_is_read() -> None:
    def chunks() -> Any:
        yield b'{"model": "m", '
        yield b'"messages": []}'

    with running_fake_openai() as server:
        response = httpx.post(f"{server.base_url}/chat/completions", content=chunks())
    assert response.status_code == 200
    assert server.bodies() == [{"model": "m", "messages": []}]


def test_die_after_answers_n_then_refuses_and_revive_listens_again() -> None:
    with running_fake_openai(die_after=1) as server:
        url = f"{server.base_url}/chat/completions"
        body = {"model": "m", "messages": []}
        with httpx.Client() as client:
            assert client.post(url, json=body).status_code == 200
            with pytest.raises(httpx.TransportError):
                client.post(url, json=body)
        with pytest.raises(httpx.ConnectError):
            httpx.post(url, json=body)
        assert server.dead and server.answered == 1
        server.revive()
        assert httpx.post(url, json=body).status_code == 200


def test_requests_are_answered_concurrently_not_serially() -> None:
    # Every request is held until all 40 are in flight at once: a server (or client) that
    # handled them one at a time would never get there, and `max_in_flight` would say so.
    with running_fake_openai(latency=0.05) as server:
        server.hold_until_in_flight(40)

        async def run() -> None:
            async with _client(server) as client:
                await asyncio.gather(
                    *(client.chat.completions.create(model="m", messages=[]) for _ in range(40))
                )

        asyncio.run(run())
    assert server.answered == 40
    assert server.max_in_flight == 40
    assert server.in_flight == 0


def test_in_flight_counts_one_request_at_a_time_when_the_client_is_serial(
    fake_openai: FakeOpenAIServer,
) -> None:
    async def run() -> None:
        async with _client(fake_openai) as client:
            for _ in range(3):
                await client.chat.completions.create(model="m", messages=[])

    asyncio.run(run())
    assert fake_openai.answered == 3
    assert fake_openai.max_in_flight == 1


def test_the_default_responder_uses_only_facts_from_the_prompt() -> None:
    facts = {
        "channel": "email",
        "customer": {"first_name": "Lena", "first_sms": False},
        "upgrade": {"name": "Whole Bean Reserve 1kg"},
        "relaunch": {"improvement": "new adjustable straps"},
    }
    prompt = f"Use {{only}} these: {json.dumps(facts)}"
    request = {"messages": [{"role": "user", "content": prompt}]}
    assert facts_in(prompt) == facts
    draft = plausible_draft(request)
    assert draft["subject"] == "A note for you, Lena"
    assert "Whole Bean Reserve 1kg" in draft["body"]
    assert "new adjustable straps" in draft["body"]
    assert "STOP" not in draft["body"]
    assert draft["body"].isascii()


def test_a_scripted_usage_is_reported(fake_openai: FakeOpenAIServer) -> None:
    fake_openai.enqueue(Reply(usage=(7, 3)))
    response = httpx.post(
        f"{fake_openai.base_url}/chat/completions", json={"model": "m", "messages": []}
    )
    assert response.json()["usage"] == {
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "total_tokens": 10,
    }


def test_the_default_responder_reads_fact_lines_and_the_closing_asked_for() -> None:
    prompt = (
        "Facts about Maya:\n"
        'customer: {"first_name": "Maya", "tenure_years": 3}\n'
        'purchase: {"product": "Cast Iron Skillet 10in", "days_ago": 5}\n\n'
        'SMS: GSM-7 only, at most 306 characters, ending "Warmly, Sam at Ember & Oak" then '
        '"Reply STOP to opt out".\n'
        "Return body, subject (email only) and facts_used."
    )
    draft = plausible_draft({"messages": [{"role": "user", "content": prompt}]})
    assert draft["body"].startswith("Hi Maya, thank you for choosing the Cast Iron Skillet 10in.")
    assert draft["body"].endswith("Warmly, Sam at Ember & Oak Reply STOP to opt out")
    assert draft["subject"] is None

    email = prompt.replace("SMS: GSM-7 only", "Email: short").replace(
        'ending "Warmly, Sam at Ember & Oak" then "Reply STOP to opt out".',
        "ending:\nWarmly,\nSam\nEmber & Oak",
    )
    draft = plausible_draft({"messages": [{"role": "user", "content": email}]})
    assert draft["body"].endswith("\n\nWarmly,\nSam\nEmber & Oak")
    assert "STOP" not in draft["body"]
    assert draft["subject"] == "A note for you, Maya"
