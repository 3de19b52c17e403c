"""ChatModelDrafter through the real ChatOpenAI and openai SDK, against the fake server."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.ports import (
    Drafter,
    DrafterBadOutput,
    DrafterError,
    DrafterRateLimited,
    DrafterRefused,
    DrafterTimeout,
    DrafterUnavailable,
    DraftOutput,
    DraftRequest,
)
from connectors.llm.openai_chat import (
    ChatModelConfigError,
    ChatModelDrafter,
    MessageDraft,
    StructuredMethod,
    parse_retry_after,
    to_drafter_error,
)
from tests.connectors.llm.conftest import API_KEY, SettingsFor, draft_request
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Reply,
    dropped,
    empty,
    http_error,
    malformed,
    rate_limited,
    running_fake_openai,
    server_error,
    slow,
)


def _draft(drafter: ChatModelDrafter, request: DraftRequest | None = None) -> DraftOutput:
    async def run() -> DraftOutput:
        try:
            return await drafter.draft(request or draft_request())
        finally:
            await drafter.aclose()

    return asyncio.run(run())


def _error(drafter: ChatModelDrafter, request: DraftRequest | None = None) -> DrafterError:
    with pytest.raises(DrafterError) as caught:
        _draft(drafter, request)
    return caught.value


def test_a_good_draft_is_parsed_with_its_token_usage(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    fake_openai.enqueue(Reply(usage=(321, 45)))
    drafter = ChatModelDrafter.from_settings(
        llm_settings(fake_openai, ASSISTANT_LLM_MODEL="gpt-4o-mini")
    )
    assert isinstance(drafter, Drafter)

    output = _draft(drafter)

    assert output.body.startswith("Hi Maya,")
    assert "Cast Iron Skillet 10in" in output.body
    assert output.body.endswith("Reply STOP to opt out")
    assert output.subject is None
    assert output.facts_used == ("customer.first_name", "purchase.product")
    assert (output.tokens_in, output.tokens_out) == (321, 45)
    assert output.model == "gpt-4o-mini"


def test_structured_output_goes_over_the_wire_as_a_strict_json_schema(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    settings = llm_settings(fake_openai, ASSISTANT_LLM_TEMPERATURE="0.3")
    _draft(ChatModelDrafter.from_settings(settings))

    [sent] = fake_openai.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    body = sent.body
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0.3
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    schema = response_format["json_schema"]
    assert schema["name"] == "MessageDraft"
    assert schema["strict"] is True
    assert schema["schema"]["required"] == ["body", "subject", "facts_used"]
    assert schema["schema"]["additionalProperties"] is False
    assert "tools" not in body


def test_the_drafter_sends_what_with_structured_output_sends(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    settings = llm_settings(fake_openai)
    request = draft_request()
    _draft(ChatModelDrafter.from_settings(settings), request)
    model = ChatOpenAI(
        model=settings.model,
        base_url=fake_openai.base_url,
        api_key=SecretStr(API_KEY),
        temperature=settings.temperature,
        max_retries=0,
    )
    structured = model.with_structured_output(MessageDraft, include_raw=True)
    asyncio.run(structured.ainvoke([("system", request.system), ("user", request.prompt)]))

    ours, reference = fake_openai.requests
    assert ours.body == reference.body
    assert ours.headers["x-stainless-helper-method"] == "chat.completions.parse"
    assert reference.headers["x-stainless-helper-method"] == "chat.completions.parse"


def test_function_calling_structured_output_also_works(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    method: StructuredMethod = "function_calling"
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai), method=method)

    output = _draft(drafter, draft_request("email"))

    assert output.body.startswith("Hi Maya,")
    assert output.subject == "A note for you, Maya"
    assert output.tokens_in > 0 and output.tokens_out > 0
    [sent] = fake_openai.bodies()
    assert sent["tools"][0]["function"]["name"] == "MessageDraft"
    assert sent["tool_choice"]["function"]["name"] == "MessageDraft"


def test_an_email_keeps_its_subject_and_an_sms_never_has_one(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    content = {"body": "Hi Maya, thanks!", "subject": "Thanks, Maya", "facts_used": []}
    fake_openai.enqueue(Reply(content=content), Reply(content=content))
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai))

    async def both() -> tuple[DraftOutput, DraftOutput]:
        try:
            email = await drafter.draft(draft_request("email"))
            sms = await drafter.draft(draft_request("sms"))
            return email, sms
        finally:
            await drafter.aclose()

    email, sms = asyncio.run(both())
    assert email.subject == "Thanks, Maya"
    assert sms.subject is None


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (rate_limited(2.5), 2.5),
        (rate_limited(None, retry_after_ms=750), 0.75),
        (rate_limited(None), None),
    ],
)
def test_429_is_rate_limited_with_the_retry_after_the_server_sent(
    fake_openai: FakeOpenAIServer,
    llm_settings: SettingsFor,
    reply: Reply,
    expected: float | None,
) -> None:
    fake_openai.enqueue(reply)
    error = _error(ChatModelDrafter.from_settings(llm_settings(fake_openai)))
    assert isinstance(error, DrafterRateLimited)
    assert error.retryable
    assert error.retry_after == expected
    assert fake_openai.request_count == 1  # the SDK did not retry by itself


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unavailable_and_not_retried_by_the_sdk(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor, status: int
) -> None:
    fake_openai.enqueue(server_error(status))
    error = _error(ChatModelDrafter.from_settings(llm_settings(fake_openai)))
    assert isinstance(error, DrafterUnavailable)
    assert error.retryable
    assert fake_openai.request_count == 1


def test_a_reply_slower_than_the_timeout_is_a_timeout(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    fake_openai.enqueue(slow(5))
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai, ASSISTANT_LLM_TIMEOUT="0.3"))
    error = _error(drafter)
    # A 5 s reply under the default timeout would have succeeded: the 0.3 s setting applied.
    assert isinstance(error, DrafterTimeout)
    assert error.retryable


@pytest.mark.parametrize(
    "reply",
    [
        malformed(),
        empty(),
        Reply(content={"body": "   ", "subject": None, "facts_used": []}),
        Reply(content={"subject": None}),
        Reply(content="Hi Maya, this is not JSON at all."),
        Reply(content={"body": "Hi", "subject": None, "facts_used": []}, finish_reason="length"),
    ],
    ids=["malformed", "empty", "blank-body", "missing-body", "plain-text", "truncated"],
)
def test_unusable_output_is_bad_output(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor, reply: Reply
) -> None:
    fake_openai.enqueue(reply)
    error = _error(ChatModelDrafter.from_settings(llm_settings(fake_openai)))
    assert isinstance(error, DrafterBadOutput)
    assert error.retryable


def test_malformed_tool_arguments_are_bad_output(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    fake_openai.enqueue(malformed())
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai), method="function_calling")
    assert isinstance(_error(drafter), DrafterBadOutput)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_refused_for_good(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor, status: int
) -> None:
    fake_openai.enqueue(http_error(status, f"Incorrect API key provided: {API_KEY}"))
    error = _error(ChatModelDrafter.from_settings(llm_settings(fake_openai)))
    assert isinstance(error, DrafterRefused)
    assert not error.retryable
    assert API_KEY not in str(error)  # the provider's message may echo the key: never kept


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_a_model_refusal_is_refused(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor, method: StructuredMethod
) -> None:
    fake_openai.enqueue(Reply(refusal="I can't help with that."))
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai), method=method)
    error = _error(drafter)
    assert isinstance(error, DrafterRefused)
    assert not error.retryable


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_server_that_is_not_there_is_unavailable(llm_settings: SettingsFor) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    error = _error(ChatModelDrafter.from_settings(llm_settings(OPENAI_BASE_URL=url)))
    assert isinstance(error, DrafterUnavailable)


def test_a_server_that_dies_mid_run_is_unavailable(llm_settings: SettingsFor) -> None:
    with running_fake_openai(die_after=2) as server:
        drafter = ChatModelDrafter.from_settings(llm_settings(server))

        async def run() -> list[DraftOutput | BaseException]:
            try:
                results: list[DraftOutput | BaseException] = []
                for _ in range(4):
                    try:
                        results.append(await drafter.draft(draft_request()))
                    except DrafterError as exc:
                        results.append(exc)
                return results
            finally:
                await drafter.aclose()

        results = asyncio.run(run())
    assert [type(r).__name__ for r in results] == [
        "DraftOutput",
        "DraftOutput",
        "DrafterUnavailable",
        "DrafterUnavailable",
    ]
    assert server.answered == 2


def test_a_dropped_connection_is_unavailable(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    fake_openai.enqueue(dropped())
    assert isinstance(
        _error(ChatModelDrafter.from_settings(llm_settings(fake_openai))), DrafterUnavailable
    )


def test_fifty_concurrent_drafts_are_fifty_requests_in_flight_at_once(
    llm_settings: SettingsFor,
) -> None:
    # The server holds each request until all 50 are in flight together, so this passes only
    # if the drafter (ChatOpenAI, the SDK, its connection pool) really runs them concurrently.
    # How fast that is belongs to benchmarks/drafting_throughput.py, not to a test.
    with running_fake_openai(latency=0.05) as server:
        server.hold_until_in_flight(50)
        drafter = ChatModelDrafter.from_settings(llm_settings(server))

        async def run() -> list[DraftOutput]:
            try:
                return await asyncio.gather(*(drafter.draft(draft_request()) for _ in range(50)))
            finally:
                await drafter.aclose()

        outputs = asyncio.run(run())
    assert len(outputs) == 50 and all(o.body for o in outputs)
    assert server.answered == 50
    assert server.max_in_flight == 50


def test_neither_the_api_key_nor_the_customer_text_is_logged(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_openai.enqueue(Reply(), http_error(401), rate_limited(1), malformed())
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai))
    request = draft_request(customer={"first_name": "Zebediah", "first_sms": False})

    async def run() -> None:
        try:
            for _ in range(4):
                with contextlib.suppress(DrafterError):
                    await drafter.draft(request)
        finally:
            await drafter.aclose()

    asyncio.run(run())
    assert fake_openai.request_count == 4
    assert caplog.records, "expected DEBUG records from the SDK and the drafter"
    logged = caplog.text + " ".join(repr(r.args) for r in caplog.records)
    assert API_KEY not in logged
    assert "Zebediah" not in logged
    assert "Cast Iron Skillet" not in logged


def test_aclose_closes_the_connections_it_opened(
    fake_openai: FakeOpenAIServer, llm_settings: SettingsFor
) -> None:
    drafter = ChatModelDrafter.from_settings(llm_settings(fake_openai))

    async def run() -> int:
        await asyncio.gather(*(drafter.draft(draft_request()) for _ in range(3)))
        opened = fake_openai.open_connections
        await drafter.aclose()
        return opened

    assert asyncio.run(run()) >= 1
    deadline = time.monotonic() + 30  # a bound on waiting, not a speed requirement
    while fake_openai.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake_openai.open_connections == 0


def test_an_unknown_provider_is_named_with_the_known_ones(llm_settings: SettingsFor) -> None:
    with pytest.raises(ChatModelConfigError, match=r"'nonesuch'.*anthropic.*openai"):
        ChatModelDrafter.from_settings(llm_settings(ASSISTANT_LLM_PROVIDER="nonesuch"))


def test_a_provider_whose_package_is_missing_says_what_to_install(
    llm_settings: SettingsFor,
) -> None:
    if importlib.util.find_spec("langchain_xai") is not None:
        pytest.skip("langchain-xai is installed here")
    with pytest.raises(ChatModelConfigError, match="pip install langchain-xai"):
        ChatModelDrafter.from_settings(llm_settings(ASSISTANT_LLM_PROVIDER="xai"))


def test_retry_after_accepts_seconds_milliseconds_and_http_dates() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert 25 < (parse_retry_after({"retry-after": later}) or 0) <= 30
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_errors_that_are_not_provider_failures_are_not_mapped() -> None:
    bug: Any = KeyError("oops")
    assert to_drafter_error(bug) is None
    assert isinstance(to_drafter_error(TimeoutError()), DrafterTimeout)
