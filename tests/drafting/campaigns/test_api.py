"""`/api/v1/campaigns`: start a campaign (drafted in the background), follow it, page drafts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings

KEY = "campaign-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
CREATE = {"playbook": "recognition", "segment": "recent_buyers_30d", "channel": "email"}


@pytest.fixture
def client(demo: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    return TestClient(create_app(demo))


def test_every_route_needs_an_api_key(client: TestClient) -> None:
    assert client.post("/api/v1/campaigns", json=CREATE).status_code == 401
    assert client.get("/api/v1/campaigns/1").status_code == 401
    assert client.get("/api/v1/campaigns/1/drafts").status_code == 401


def test_post_accepts_then_drafts_in_the_background_and_get_shows_progress(
    client: TestClient,
) -> None:
    response = client.post("/api/v1/campaigns", json={**CREATE, "limit": 15}, headers=AUTH)
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["playbook"] == "recognition" and created["segment"] == "recent_buyers_30d"
    assert created["counts"]["members"] >= 15
    campaign_id = created["id"]

    # The test client returns once the background run is over.
    status = client.get(f"/api/v1/campaigns/{campaign_id}", headers=AUTH)
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "completed"
    assert body["counts"]["pending"] == 0 and body["counts"]["drafted"] == 15
    assert body["counts"]["drafts"] == {"pending_review": 15}
    assert body["summary"]["last_run"]["drafted"] == 15

    pages = [
        client.get(
            f"/api/v1/campaigns/{campaign_id}/drafts",
            params={"page": page, "per_page": 10},
            headers=AUTH,
        ).json()
        for page in (1, 2)
    ]
    assert [p["total"] for p in pages] == [15, 15]
    assert [len(p["drafts"]) for p in pages] == [10, 5]
    ids = [d["id"] for p in pages for d in p["drafts"]]
    assert len(set(ids)) == 15 and ids == sorted(ids)
    first = pages[0]["drafts"][0]
    assert first["facts"]["customer"]["first_name"] and first["body"] and first["subject"]
    assert first["customer_id"].startswith("C") and first["state"] == "pending_review"
    only = client.get(
        f"/api/v1/campaigns/{campaign_id}/drafts",
        params={"state": "needs_attention"},
        headers=AUTH,
    ).json()
    assert only["total"] == 0


def test_bad_requests_are_explained(client: TestClient) -> None:
    unknown = client.post("/api/v1/campaigns", json={"playbook": "welcome"}, headers=AUTH)
    assert unknown.status_code == 422
    assert "recognition" in unknown.json()["detail"]
    segment = client.post(
        "/api/v1/campaigns", json={"playbook": "upsell", "segment": "fans"}, headers=AUTH
    )
    assert segment.status_code == 422 and "product_fans" in segment.json()["detail"]
    assert (
        client.post("/api/v1/campaigns", json={**CREATE, "limit": 0}, headers=AUTH).status_code
        == 422
    )
    assert client.get("/api/v1/campaigns/424242", headers=AUTH).status_code == 404
    assert client.get("/api/v1/campaigns/424242/drafts", headers=AUTH).status_code == 404
