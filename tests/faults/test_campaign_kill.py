"""kill -9 the drafting of a 1,000-member campaign again and again, resume it: every member
ends with exactly one draft.

Two ways to draft: `assistant drafts generate --resume ID` (a CLI process, works today), and
the Celery task `campaigns.draft` run by `assistant worker` (skipped until that task is
registered). A killed run's hold on the campaign lapses after 120 s; the tests move its
heartbeat back instead of waiting (`age_hold`), which is what the lapse compares with.
Drafts come from the fake OpenAI server answering each request after 0.1 s, which bounds
how fast drafting goes (at most concurrency / latency drafts a second), so a kill always
lands mid-campaign however fast the machine is.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.jobs.registry import load_tasks
from tests.fakes.openai_server import FakeOpenAIServer, running_fake_openai
from tests.faults.campaigns import (
    age_hold,
    assert_one_draft_each,
    campaign_status,
    draft_counts,
    seed_campaign,
)
from tests.faults.conftest import ASSISTANT, Database, PrivateRedis, Workers, wait_until

MEMBERS = 1000
KILLS = 5
LATENCY = 0.1
CONCURRENCY = 16
DRAFT_TASK = "campaigns.draft"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _drafted(database: Database, campaign_id: int) -> int:
    return sum(draft_counts(database.engine, campaign_id).values())


def _kill_after_progress(
    database: Database,
    campaign_id: int,
    process: subprocess.Popen[bytes],
    kill: Callable[[subprocess.Popen[bytes]], None],
    rng: random.Random,
    log: Path,
) -> None:
    """Wait for at least one more draft to be written, then a random moment, then kill."""
    before = _drafted(database, campaign_id)
    wait_until(
        lambda: _drafted(database, campaign_id) > before or process.poll() is not None,
        "drafting made progress",
        log=log,
    )
    time.sleep(rng.uniform(0, 0.3))
    kill(process)


@pytest.fixture
def llm() -> Iterator[FakeOpenAIServer]:
    with running_fake_openai(latency=LATENCY) as server:
        yield server


def llm_env(server: FakeOpenAIServer) -> dict[str, str]:
    """The openai drafter on `server`, with limits that never slow it down."""
    return {
        "ASSISTANT_LLM": "openai",
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-secret",
        "ASSISTANT_LLM_MODEL": "gpt-test",
        "ASSISTANT_LLM_RPM": "600000",
        "ASSISTANT_LLM_TPM": "1000000000",
        "ASSISTANT_LLM_CONCURRENCY": str(CONCURRENCY),
    }


def test_a_cli_run_killed_again_and_again_resumes_to_one_draft_each(
    database: Database, llm: FakeOpenAIServer, tmp_path: Path
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    campaign_id = seed_campaign(database.engine, MEMBERS)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))},
        "ASSISTANT_DATABASE_URL": database.url,
        **llm_env(llm),
    }
    command = [str(ASSISTANT), "drafts", "generate", "--resume", str(campaign_id)]
    killed = 0
    for attempt in range(KILLS + 10):
        log = tmp_path / f"run-{attempt}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            if killed < KILLS:
                _kill_after_progress(database, campaign_id, process, _kill_group, rng, log)
                if process.returncode == -9:
                    killed += 1
                    age_hold(database.engine, campaign_id)
                    continue
            process.wait(timeout=300)
        finally:
            _kill_group(process)
        if campaign_status(database.engine, campaign_id) == "completed":
            break
    assert killed == KILLS, f"the campaign finished after {killed} kills (seed {seed})"
    assert campaign_status(database.engine, campaign_id) == "completed", log.read_text()[-3000:]
    assert_one_draft_each(database.engine, campaign_id)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:  # not reaped yet, so its group id is still ours
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_worker_killed_while_drafting_a_campaign_resumes_to_one_draft_each(
    database: Database,
    redis_server: PrivateRedis,
    workers: Workers,
    llm: FakeOpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if DRAFT_TASK not in load_tasks():
        pytest.skip(f"the Celery task {DRAFT_TASK!r} is not registered yet (another branch)")
    from assistant.jobs.celery_app import create_celery

    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    campaign_id = seed_campaign(database.engine, MEMBERS)
    workers.env.update(llm_env(llm))
    monkeypatch.setenv("ASSISTANT_BROKER_URL", redis_server.url)
    monkeypatch.setenv("ASSISTANT_WORKER_QUEUE", workers.env["ASSISTANT_WORKER_QUEUE"])
    get_settings.cache_clear()
    app = create_celery(get_settings())
    try:
        for _ in range(KILLS):
            process = workers.start("--no-beat")
            # The queued task of a killed worker waits for Redis' visibility timeout (an
            # hour); the campaign is enqueued again, as a person resuming it would.
            app.send_task(
                DRAFT_TASK, kwargs={"campaign_id": campaign_id, "concurrency": CONCURRENCY}
            )
            _kill_after_progress(database, campaign_id, process, workers.kill, rng, workers.log)
            age_hold(database.engine, campaign_id)
        process = workers.start("--no-beat")
        app.send_task(DRAFT_TASK, kwargs={"campaign_id": campaign_id, "concurrency": CONCURRENCY})
        wait_until(
            lambda: campaign_status(database.engine, campaign_id) == "completed",
            f"the campaign completed after the kills (seed {seed})",
            log=workers.log,
        )
    finally:
        app.close()
    assert_one_draft_each(database.engine, campaign_id)
