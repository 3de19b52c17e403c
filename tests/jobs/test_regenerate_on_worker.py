"""With a broker, a regeneration asked through the API is drafted by the worker, never in
the web process: the answer leaves the draft marked, a real `assistant worker` writes it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.jobs.test_celery_worker import _env, running_worker
from tests.review.helpers import audit_rows, draft_row, pending_store

KEY = "test-key-0123456789"


@pytest.mark.slow
def test_a_regeneration_asked_through_the_api_runs_on_the_worker(
    engine: Engine,
    redis_url: str,
    queue_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = _env(engine, redis_url, queue_name, tmp_path / "outbox", monkeypatch)
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    before = draft_row(engine, draft_id)
    with TestClient(create_app(engine)) as client:
        response = client.post(
            f"/api/v1/drafts/{draft_id}/regenerate",
            json={"instruction": "warmer"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
    assert response.status_code == 202
    queued = draft_row(engine, draft_id)
    assert queued.regenerating_at is not None and queued.body == before.body

    log = tmp_path / "worker.log"
    with running_worker(env, log, "--no-beat") as process:
        deadline = time.monotonic() + 60
        while draft_row(engine, draft_id).regenerating_at is not None:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"not regenerated; worker log:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
    after = draft_row(engine, draft_id)
    assert after.body != before.body and after.findings["instruction"] == "warmer"
    assert [(e.actor, e.action) for e in audit_rows(engine, draft_id)] == [
        ("api:bootstrap", "draft.regeneration_requested"),
        ("api:bootstrap", "draft.regenerated"),
    ]
    assert "review.regenerate" in log.read_text()
