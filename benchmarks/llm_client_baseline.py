"""Requests/s of the LLM client stack alone, against the fake OpenAI-compatible server.

    python -m benchmarks.llm_client_baseline [--requests 2000] [--concurrency 50]
        [--latency 0] [--in-process]

Measures, against the same server in the same run: (a) the openai SDK's `AsyncOpenAI` alone
(`chat.completions.create` with the same strict json_schema, content parsed into the model),
(b) LangChain's `ChatOpenAI.with_structured_output(MessageDraft, include_raw=True)` alone,
(c) `ChatOpenAI.bind(response_format=MessageDraft)` (the same request and SDK parsing, without
the wrapper runnables: the path `ChatModelDrafter` takes), (d) our `ChatModelDrafter.draft`
(c plus error mapping and output checks). The server runs in a
separate process by default so it does not share the client's interpreter lock (`--in-process`
runs it in a thread instead). The helpers are importable: the drafting throughput benchmark
compares its pipeline with `measure_sdk` / `measure_langchain` on the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.config import LLMSettings
from assistant.ports import DraftRequest
from connectors.llm.openai_chat import ChatModelDrafter, MessageDraft

ROOT = Path(__file__).resolve().parent.parent
MODEL = "gpt-4o-mini"
API_KEY = "sk-bench-not-a-key"

FACTS: dict[str, Any] = {
    "schema": 1,
    "playbook": "upsell",
    "channel": "sms",
    "brand": {"name": "Ember & Oak", "sender": "Sam"},
    "customer": {
        "first_name": "Maya",
        "customer_since": "2023-04-02",
        "tenure_years": 3,
        "spend_tier": "top 5%",
        "first_sms": True,
    },
    "product": {
        "name": "Ground Coffee 1kg",
        "times_bought": 3,
        "first_bought_on": "2026-09-01",
        "last_bought_on": "2026-11-02",
    },
    "upgrade": {"name": "Whole Bean Reserve 1kg", "price": "34.00", "currency": "USD"},
    "offer": None,
}
SYSTEM = (
    "You are Sam from Ember & Oak, a small coffee, kitchen and home goods shop. Write one "
    "short, warm, personal message to one customer in the brand voice: friendly, plain, never "
    "pushy. Use only the facts given; never invent prices, dates, codes or products. "
) * 4
PROMPT = (
    "Playbook: upsell. Channel: SMS (GSM-7 only, at most 2 segments). The customer keeps "
    "buying the same product; mention the upgrade warmly without pressure. If this is their "
    "first SMS, end with: Reply STOP to opt out.\nFacts:\n" + json.dumps(FACTS, indent=1)
)


@dataclass(frozen=True)
class Measurement:
    """One client's run: `requests` requests at `concurrency`, in `seconds`."""

    name: str
    requests: int
    concurrency: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        return (
            f"{self.name:<28} {self.requests:>6} req  c={self.concurrency:<4} "
            f"{self.seconds:7.2f} s  {self.per_second:8.1f} req/s"
        )


def messages() -> list[dict[str, str]]:
    """The benchmark prompt, about 600 tokens like a real draft's."""
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]


def response_format() -> dict[str, Any]:
    """The strict json_schema ChatOpenAI sends for `MessageDraft`."""
    schema = MessageDraft.model_json_schema()
    schema["additionalProperties"] = False
    return {
        "type": "json_schema",
        "json_schema": {"name": "MessageDraft", "strict": True, "schema": schema},
    }


async def run_bounded(
    requests: int, concurrency: int, one: Callable[[], Awaitable[object]]
) -> float:
    """Seconds to run `one` `requests` times with at most `concurrency` in flight."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, requests))))
    return time.perf_counter() - started


async def measure_sdk(
    base_url: str, *, requests: int, concurrency: int, warmup: int = 50
) -> Measurement:
    """The openai SDK's AsyncOpenAI alone."""
    async with openai.AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as client:
        prompt: Any = messages()
        fmt: Any = response_format()

        async def one() -> MessageDraft:
            completion = await client.chat.completions.create(
                model=MODEL, messages=prompt, response_format=fmt, temperature=0.7
            )
            return MessageDraft.model_validate_json(completion.choices[0].message.content or "")

        await run_bounded(warmup, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    return Measurement("openai AsyncOpenAI", requests, concurrency, seconds)


async def measure_langchain(
    base_url: str, *, requests: int, concurrency: int, warmup: int = 50
) -> Measurement:
    """LangChain's ChatOpenAI with structured output (json_schema, include_raw) alone."""
    http_client = openai.DefaultAsyncHttpxClient()
    model = ChatOpenAI(
        model=MODEL,
        base_url=base_url,
        api_key=SecretStr(API_KEY),
        max_retries=0,
        temperature=0.7,
        http_async_client=http_client,
    )
    structured = model.with_structured_output(MessageDraft, include_raw=True)
    prompt = [(m["role"], m["content"]) for m in messages()]

    async def one() -> Any:
        return await structured.ainvoke(prompt)

    try:
        await run_bounded(warmup, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    finally:
        await http_client.aclose()
    return Measurement("LangChain ChatOpenAI struct.", requests, concurrency, seconds)


async def measure_langchain_bound(
    base_url: str, *, requests: int, concurrency: int, warmup: int = 50
) -> Measurement:
    """ChatOpenAI with `response_format=MessageDraft` bound: the drafter's structured path."""
    http_client = openai.DefaultAsyncHttpxClient()
    model = ChatOpenAI(
        model=MODEL,
        base_url=base_url,
        api_key=SecretStr(API_KEY),
        max_retries=0,
        temperature=0.7,
        http_async_client=http_client,
    )
    bound = model.bind(response_format=MessageDraft)
    prompt = [(m["role"], m["content"]) for m in messages()]

    async def one() -> Any:
        return await bound.ainvoke(prompt)

    try:
        await run_bounded(warmup, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    finally:
        await http_client.aclose()
    return Measurement("LangChain ChatOpenAI bound", requests, concurrency, seconds)


async def measure_drafter(
    base_url: str, *, requests: int, concurrency: int, warmup: int = 50
) -> Measurement:
    """Our ChatModelDrafter (LangChain plus error mapping and output checks)."""
    settings = LLMSettings.model_validate(
        {"ASSISTANT_LLM": "openai", "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": API_KEY}
    )
    drafter = ChatModelDrafter.from_settings(settings)
    request = DraftRequest(
        playbook="upsell",
        channel="sms",
        prompt_version="bench",
        system=SYSTEM,
        prompt=PROMPT,
        facts=FACTS,
    )

    async def one() -> Any:
        return await drafter.draft(request)

    try:
        await run_bounded(warmup, concurrency, one)
        seconds = await run_bounded(requests, concurrency, one)
    finally:
        await drafter.aclose()
    return Measurement("ChatModelDrafter.draft", requests, concurrency, seconds)


@contextlib.contextmanager
def server_process(latency: float = 0.0) -> Iterator[str]:
    """The fake server in its own process; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.openai_server", "--latency", str(latency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http"):
            raise RuntimeError("the fake OpenAI server did not start")
        yield base_url
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def server_thread(latency: float = 0.0) -> Iterator[str]:
    """The fake server in a thread of this process; yields its base URL."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.fakes.openai_server import running_fake_openai

    with running_fake_openai(latency=latency) as server:
        yield server.base_url


async def measure_all(base_url: str, *, requests: int, concurrency: int) -> list[Measurement]:
    """Every client, one after the other, against `base_url`."""
    results = []
    for measure in (measure_sdk, measure_langchain, measure_langchain_bound, measure_drafter):
        results.append(await measure(base_url, requests=requests, concurrency=concurrency))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--in-process", action="store_true", help="server in a thread")
    args = parser.parse_args()
    server = server_thread if args.in_process else server_process
    where = "thread" if args.in_process else "process"
    with server(args.latency) as base_url:
        print(f"fake server ({where}, latency {args.latency:g} s) at {base_url}", flush=True)
        results = asyncio.run(
            measure_all(base_url, requests=args.requests, concurrency=args.concurrency)
        )
    for result in results:
        print(result.line(), flush=True)


if __name__ == "__main__":
    main()
