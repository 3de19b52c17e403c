"""Without a broker, `assistant serve` runs queued work on one background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import serving_app
from assistant.config import get_settings
from assistant.jobs.registry import task
from assistant.jobs.runners import (
    InProcessRunner,
    ThreadRunner,
    build_runner,
    stop_thread_runner,
)
from tests.conversations.helpers import OUR_NUMBER, PUBLIC, drafts, seed_outreach, text_from
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN
from tests.slack.helpers import eventually

SEEN: list[tuple[str, int]] = []
GATE = threading.Event()


@task("test.thread_runner.record")
def record(number: int) -> None:
    SEEN.append((threading.current_thread().name, number))


@task("test.thread_runner.fail")
def fail() -> None:
    raise RuntimeError("a task that dies")


@task("test.thread_runner.wait")
def wait() -> None:
    GATE.wait(10)


@pytest.fixture(autouse=True)
def _no_process_runner() -> Iterator[None]:
    SEEN.clear()
    yield
    stop_thread_runner(timeout=10)
    GATE.set()


def test_tasks_run_in_order_on_the_thread_and_a_failure_stops_nothing() -> None:
    runner = ThreadRunner()
    runner.enqueue("test.thread_runner.record", number=1)
    runner.enqueue("test.thread_runner.fail")
    runner.enqueue("test.thread_runner.record", number=2)
    assert runner.close(timeout=10)
    assert SEEN == [("assistant-jobs", 1), ("assistant-jobs", 2)]
    with pytest.raises(KeyError):
        ThreadRunner().enqueue("test.thread_runner.misspelt")


def test_enqueue_returns_while_the_thread_is_busy() -> None:
    GATE.clear()
    runner = ThreadRunner()
    runner.enqueue("test.thread_runner.wait")
    runner.enqueue("test.thread_runner.record", number=3)
    eventually(lambda: runner.pending() == 1, what="the second task waiting")
    assert SEEN == []  # the caller got control back with both tasks still to run
    GATE.set()
    assert runner.close(timeout=10) and SEEN == [("assistant-jobs", 3)]


@pytest.fixture
def twilio_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": OUR_NUMBER,
        "ASSISTANT_PUBLIC_URL": PUBLIC + "/",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def test_the_served_app_suggests_replies_on_its_thread(
    engine: Engine, twilio_settings: Any
) -> None:
    seeded = seed_outreach(engine)
    app = serving_app()
    app.state.engine = engine
    runner = build_runner(get_settings())
    assert isinstance(runner, ThreadRunner)
    GATE.clear()
    runner.enqueue("test.thread_runner.wait")  # hold the thread: the answer must not wait
    with TestClient(app) as client:
        text_from(client, seeded.phone, "Does it come in a bigger size?")
        assert drafts(engine, playbook="reply") == []  # answered; the suggestion is queued
        GATE.set()
        eventually(lambda: drafts(engine, playbook="reply"), what="the suggestion")
    # Leaving the client ran the shutdown: the thread was drained and stopped.
    assert not isinstance(build_runner(get_settings()), ThreadRunner)
    assert isinstance(build_runner(get_settings()), InProcessRunner)
