"""A real Celery worker (`assistant worker`) on Redis runs the tick: approved drafts go out.

The worker runs as its own process on the test's database (SQLite file or PostgreSQL
schema) and its own queue, and is stopped by its pid at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.jobs.registry import TICK_TASK
from assistant.jobs.runners import build_runner
from assistant.models import DraftState
from tests.delivery.factories import add_customer, add_draft
from tests.delivery.helpers import draft_state

ASSISTANT = Path(sys.executable).parent / "assistant"


@contextmanager
def running_worker(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(ASSISTANT), "worker", "--loglevel=INFO", *args],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
        )
        try:
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _env(
    engine: Engine, redis_url: str, queue: str, outbox: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    values = {
        "ASSISTANT_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ASSISTANT_BROKER_URL": redis_url,
        "ASSISTANT_WORKER_QUEUE": queue,
        "ASSISTANT_WORKER_TICK_SECONDS": "0.5",
        "ASSISTANT_OUTBOX_DIR": str(outbox),
        # The test runs at any hour; quiet hours are tested elsewhere.
        "ASSISTANT_QUIET_HOURS_START": "00:00",
        "ASSISTANT_QUIET_HOURS_END": "00:00",
        "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return {**os.environ, **values}


def _wait_for_lines(
    path: Path, count: int, process: subprocess.Popen[bytes], log: Path
) -> list[dict[str, str]]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(line) for line in path.read_text().splitlines()]
            if len(lines) >= count:
                return lines
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"no delivery within 60 s; worker log:\n{log.read_text()[-4000:]}")


def _approved_drafts(engine: Engine, count: int) -> list[int]:
    with unit_of_work(engine) as session:
        return [add_draft(session, add_customer(session)).id for _ in range(count)]


@pytest.mark.slow
def test_worker_beat_runs_the_tick_and_delivers(
    engine: Engine,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = tmp_path / "outbox"
    env = _env(engine, redis_url, queue_name, outbox, monkeypatch)
    drafts = _approved_drafts(engine, 3)
    log = tmp_path / "worker.log"
    with running_worker(env, log) as process:
        lines = _wait_for_lines(outbox / "sms.jsonl", 3, process, log)
        time.sleep(1.5)  # more ticks: still nothing twice
        lines = [json.loads(line) for line in (outbox / "sms.jsonl").read_text().splitlines()]
    assert sorted(line["idempotency_key"] for line in lines) == sorted(f"draft:{d}" for d in drafts)
    for draft_id in drafts:
        assert draft_state(engine, draft_id) == DraftState.DELIVERED
    assert TICK_TASK in log.read_text()


@pytest.mark.slow
def test_tasks_enqueued_through_the_celery_runner_run_on_the_worker(
    engine: Engine,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = tmp_path / "outbox"
    env = _env(engine, redis_url, queue_name, outbox, monkeypatch)
    (draft_id,) = _approved_drafts(engine, 1)
    log = tmp_path / "worker.log"
    with running_worker(env, log, "--no-beat") as process:
        build_runner(get_settings()).enqueue(TICK_TASK)
        (line,) = _wait_for_lines(outbox / "sms.jsonl", 1, process, log)
    assert line["idempotency_key"] == f"draft:{draft_id}"


@pytest.mark.slow
def test_two_workers_one_beat_deliver_each_message_once(
    engine: Engine,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite runs one)")
    outbox = tmp_path / "outbox"
    env = _env(engine, redis_url, queue_name, outbox, monkeypatch)
    drafts = _approved_drafts(engine, 20)
    beat_log, other_log = tmp_path / "beat.log", tmp_path / "other.log"
    with (
        running_worker(env, beat_log) as beat,
        running_worker(env, other_log, "--no-beat") as _other,
    ):
        _wait_for_lines(outbox / "sms.jsonl", 20, beat, beat_log)
        time.sleep(1.5)  # more ticks, on either worker: still nothing twice
        lines = [json.loads(line) for line in (outbox / "sms.jsonl").read_text().splitlines()]
    assert sorted(line["idempotency_key"] for line in lines) == sorted(f"draft:{d}" for d in drafts)
    logs = beat_log.read_text() + other_log.read_text()
    assert "DeadlockDetected" not in logs and "Traceback" not in logs


@pytest.mark.slow
def test_a_prefork_worker_serves_the_sends_of_its_pool_processes(
    engine: Engine,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = tmp_path / "outbox"
    env = _env(engine, redis_url, queue_name, outbox, monkeypatch)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    _approved_drafts(engine, 2)
    port = _free_port()
    log = tmp_path / "worker.log"
    args = ("--concurrency=2", f"--metrics-port={port}")
    with running_worker(env, log, *args) as process:
        _wait_for_lines(outbox / "sms.jsonl", 2, process, log)
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    # The counts of the pool's processes, summed by the parent's endpoint (multiprocess mode).
    assert 'assistant_sends_total{channel="sms",status="sent"} 2.0' in text, text[-3000:]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
