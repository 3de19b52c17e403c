"""`GET /api/v1/reports/review`: review scope, JSON groups, problem documents for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.apikeys.helpers import make_key
from tests.reports.helpers import ANA, BEN, decided_store

BOOTSTRAP = "test-bootstrap-key-0123456789"
PROBLEM = "application/problem+json"
URL = "/api/v1/reports/review"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _problem(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return str(response.json()["detail"])


def test_a_review_key_reads_the_report_by_reviewer(engine: Engine, client: TestClient) -> None:
    decided_store(engine)
    review = make_key(engine, "review", "review")
    response = client.get(URL, params={"by": "reviewer"}, headers=auth(review))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["by"], body["since"], body["until"]) == ("reviewer", None, None)
    groups = {group["key"]: group for group in body["groups"]}
    assert sorted(groups) == ["(undecided)", ANA.id, BEN.id]
    ben = groups[BEN.id]
    assert (ben["decided"], ben["approved"], ben["edited"], ben["rejected"]) == (4, 2, 1, 2)
    assert (ben["approval_rate"], ben["median_minutes_to_decision"]) == (0.5, 80)
    assert ben["rejection_reasons"] == {"(no reason given)": 1, "too pushy": 1}
    week = client.get(URL, params={"by": "week", "since": "2026-11-30"}, headers=auth(review))
    assert [group["key"] for group in week.json()["groups"]] == ["2026-W49"]


def test_an_ingest_key_is_refused_and_bad_input_is_a_problem(
    engine: Engine, client: TestClient
) -> None:
    ingest = make_key(engine, "ingest", "ingest")
    _problem(client.get(URL, headers=auth(ingest)), 403)
    _problem(client.get(URL, params={"by": "flavour"}, headers=auth(BOOTSTRAP)), 422)
    _problem(client.get(URL, params={"since": "yesterday"}, headers=auth(BOOTSTRAP)), 422)
    after = {"since": "2026-12-02", "until": "2026-12-01"}
    assert "after" in _problem(client.get(URL, params=after, headers=auth(BOOTSTRAP)), 422)


def test_the_report_is_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "get" in paths[URL]
    assert {p["name"] for p in paths[URL]["get"]["parameters"]} == {
        "since",
        "until",
        "by",
        "playbook",
    }
