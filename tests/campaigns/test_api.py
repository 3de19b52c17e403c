"""`/api/v1/campaigns` control: list, show, pause, resume, cancel; errors as problem+json."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Campaign
from tests.campaigns.helpers import World, build, message_states, tick
from tests.delivery.helpers import outbox_lines

KEY = "control-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    return build(engine, tmp_path / "outbox")


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    return TestClient(create_app(engine))


def test_every_route_needs_an_api_key(client: TestClient) -> None:
    assert client.get("/api/v1/campaigns").status_code == 401
    assert client.get("/api/v1/campaigns/1").status_code == 401
    for action in ("pause", "resume", "cancel"):
        assert client.post(f"/api/v1/campaigns/1/{action}").status_code == 401


def test_list_pages_newest_first_by_cursor(
    client: TestClient, engine: Engine, world: World
) -> None:
    with unit_of_work(engine) as session:
        for number in range(4):
            session.add(
                Campaign(name=f"later {number}", playbook="upsell", segment="x", channel="sms")
            )
    first = client.get("/api/v1/campaigns", params={"limit": 2}, headers=AUTH).json()
    assert first["total"] == 5
    assert [c["name"] for c in first["campaigns"]] == ["later 3", "later 2"]
    seen, cursor = [c["id"] for c in first["campaigns"]], first["next_cursor"]
    # A campaign created between pages is newer than the cursor: the walk neither repeats
    # nor skips a row.
    with unit_of_work(engine) as session:
        session.add(Campaign(name="meanwhile", playbook="upsell", segment="x", channel="sms"))
    pages = 1
    while cursor is not None:
        page = client.get(
            "/api/v1/campaigns", params={"limit": 2, "cursor": cursor}, headers=AUTH
        ).json()
        seen += [c["id"] for c in page["campaigns"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            oldest = page["campaigns"][-1]
    assert pages == 3 and len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)
    assert oldest["id"] == world.campaign_id
    assert oldest["drafts"] == {
        "approved": 1,
        "delivered": 1,
        "needs_attention": 1,
        "pending_review": 1,
        "scheduled": 1,
    }
    assert oldest["members"] == {"drafted": 5, "pending": 1}
    for bad in ({"cursor": "nope"}, {"limit": 0}, {"limit": 501}):
        refused = client.get("/api/v1/campaigns", params=bad, headers=AUTH)
        assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM


def test_cancel_then_show_and_nothing_is_sent(
    client: TestClient, engine: Engine, world: World
) -> None:
    url = f"/api/v1/campaigns/{world.campaign_id}"
    response = client.post(f"{url}/cancel", json={"reason": "wrong offer"}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["changed"] is True
    assert (body["messages"], body["drafts"], body["members"], body["sent"]) == (1, 4, 1, 1)
    campaign = body["campaign"]
    assert campaign["status"] == "cancelled"
    assert campaign["control"]["cancelled"]["reason"] == "wrong offer"
    assert campaign["messages"] == {"cancelled": 1, "delivered": 1}
    assert campaign["message_reasons"] == {"cancelled: campaign_cancelled": 1}
    assert tick(engine, world) == {}
    assert len(outbox_lines(world.outbox)) == 1

    again = client.post(f"{url}/cancel", headers=AUTH).json()
    assert again["changed"] is False and again["messages"] == 0 and again["drafts"] == 0
    shown = client.get(url, headers=AUTH).json()
    assert shown["counts"]["skipped"] == {"cancelled": 1}
    assert shown["counts"]["drafts"] == {"cancelled": 4, "delivered": 1}


def test_pause_holds_and_resume_releases(client: TestClient, engine: Engine, world: World) -> None:
    url = f"/api/v1/campaigns/{world.campaign_id}"
    paused = client.post(f"{url}/pause", headers=AUTH).json()
    assert paused["campaign"]["status"] == "paused" and paused["messages"] == 1
    assert tick(engine, world) == {}
    assert message_states(engine, world.campaign_id)[world.scheduled_message] == (
        "scheduled",
        "campaign_paused",
    )
    resumed = client.post(f"{url}/resume", headers=AUTH)
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert body["messages"] == 2  # the scheduled one and the one approved meanwhile
    # The member still to draft is drafted in the background (over when the client returns).
    assert body["pending"] == 1 and body["drafting"] is True
    after = client.get(url, headers=AUTH).json()
    assert after["counts"]["pending"] == 0 and after["status"] != "paused"
    assert tick(engine, world) == {"sent": 2}


def test_unknown_ids_and_invalid_transitions_are_problems(client: TestClient, world: World) -> None:
    for method, path in (
        ("get", "/api/v1/campaigns/9999"),
        ("post", "/api/v1/campaigns/9999/pause"),
        ("post", "/api/v1/campaigns/9999/resume"),
        ("post", "/api/v1/campaigns/9999/cancel"),
    ):
        response = client.request(method, path, headers=AUTH)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "no campaign 9999"
    url = f"/api/v1/campaigns/{world.campaign_id}"
    not_paused = client.post(f"{url}/resume", headers=AUTH)
    assert not_paused.status_code == 409
    assert "is not paused" in not_paused.json()["detail"]
    assert client.post(f"{url}/cancel", headers=AUTH).status_code == 200
    for action in ("pause", "resume"):
        refused = client.post(f"{url}/{action}", headers=AUTH)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["title"] == "Conflict"
        assert "is cancelled" in refused.json()["detail"]
    too_long = client.post(f"{url}/cancel", json={"reason": "x" * 501}, headers=AUTH)
    assert too_long.status_code == 422 and too_long.headers["content-type"] == PROBLEM
