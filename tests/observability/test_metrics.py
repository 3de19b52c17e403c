"""GET /metrics: counters as work happens, gauges read from the database at scrape time."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Draft, DraftState
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import outbox_transports, schedule, send
from tests.jobs.conftest import REDIS_URL, REQUIRE_REDIS, redis_problem


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by name and sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_a_send_shows_in_the_sends_counter_by_channel_and_status(
    engine: Engine, tmp_path: Path
) -> None:
    client = TestClient(create_app(engine))
    key = ("assistant_sends_total", (("channel", "sms"), ("status", "sent")))
    before = scrape(client).get(key, 0.0)
    clock, rules = Clock(), policy()
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session))
    assert schedule(engine, draft.id, clock, rules) is not None
    assert send(engine, outbox_transports(tmp_path), clock, rules)["sent"] == 1
    assert scrape(client)[key] == before + 1


def test_drafts_by_state_and_open_findings_match_the_database(engine: Engine) -> None:
    finding = {"items": [{"code": "unknown_product"}, {"code": "too_long"}], "blocked": False}
    with unit_of_work(engine) as session:
        person = add_customer(session)
        for state in ("pending_review", "pending_review", "needs_attention", "approved"):
            add_draft(session, person, state=state, findings=finding)
        add_draft(session, person, state="rejected", findings={"items": [{"code": "other"}]})
    with unit_of_work(engine) as session:
        rows = session.execute(select(Draft.state, func.count()).group_by(Draft.state)).all()
    counted = {state: count for state, count in rows}
    assert counted["pending_review"] == 2
    samples = scrape(TestClient(create_app(engine)))
    for state in DraftState:
        assert samples[("assistant_drafts", (("state", state.value),))] == counted.get(state, 0)
    # Findings of drafts awaiting review only (pending_review, needs_attention).
    assert samples[("assistant_review_findings", (("code", "unknown_product"),))] == 3
    assert samples[("assistant_review_findings", (("code", "too_long"),))] == 3
    assert ("assistant_review_findings", (("code", "other"),)) not in samples


def test_requests_are_timed_by_route_template_not_raw_path(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    client.get("/unsubscribe/v1.1.email.1.notarealsignature")
    text = client.get("/metrics").text
    assert 'route="/unsubscribe/{token}"' in text
    assert "notarealsignature" not in text


def test_queue_depth_is_the_length_of_the_celery_queue_on_redis(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = redis_problem()
    if problem and not REQUIRE_REDIS:
        pytest.skip(f"Redis unreachable: {problem}")
    import redis

    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ASSISTANT_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("ASSISTANT_WORKER_QUEUE", queue)
    get_settings.cache_clear()
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.rpush(queue, "a", "b", "c")
        samples = scrape(TestClient(create_app(engine)))
    finally:
        client.delete(queue)
        client.close()
    assert samples[("assistant_queue_depth", (("queue", queue),))] == 3
