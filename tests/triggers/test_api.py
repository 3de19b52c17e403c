"""`/api/v1/triggers`: list (review), run (admin), explain a customer (review), problems."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.apikeys.helpers import make_key

ADMIN = "trigger-admin-0123456789"
PROBLEM = "application/problem+json"


@pytest.fixture
def client(store: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", ADMIN)
    get_settings.cache_clear()
    return TestClient(create_app(store))


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_list_run_and_explain(client: TestClient, store: Engine) -> None:
    reviewer = _auth(make_key(store, "reviewer", "review"))
    listed = client.get("/api/v1/triggers", headers=reviewer)
    assert listed.status_code == 200
    assert next(t["name"] for t in listed.json()["triggers"]) == "purchase"
    body = {"as_of": "2026-11-20", "dry_run": True}
    dry = client.post("/api/v1/triggers/run", json=body, headers=_auth(ADMIN))
    assert dry.status_code == 200 and dry.json()["queued"] == 10
    ran = client.post(
        "/api/v1/triggers/run",
        json={"as_of": "2026-11-20", "trigger": "purchase"},
        headers=_auth(ADMIN),
    )
    assert ran.json()["queued"] == 2
    explained = client.get(
        "/api/v1/triggers/explain/C15", params={"as_of": "2026-11-20"}, headers=reviewer
    )
    assert explained.status_code == 200
    purchase = next(t for t in explained.json()["triggers"] if t["trigger"] == "purchase")
    assert purchase["reason"] == "already_fired"


def test_problems(client: TestClient, store: Engine) -> None:
    reviewer = _auth(make_key(store, "reviewer", "review"))
    assert client.get("/api/v1/triggers").status_code == 401
    forbidden = client.post("/api/v1/triggers/run", json={}, headers=reviewer)
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == PROBLEM
    missing = client.get("/api/v1/triggers/explain/NOPE", headers=reviewer)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    unknown = client.post("/api/v1/triggers/run", json={"trigger": "purchse"}, headers=_auth(ADMIN))
    assert unknown.status_code == 422
    assert "did you mean 'purchase'" in unknown.json()["detail"]
