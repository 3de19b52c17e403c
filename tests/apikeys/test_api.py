"""Stored API keys at the door of `/api/v1`: scopes per route, revocation, last use, and
`/api/v1/apikeys` itself (admin only; the key in the create's answer, once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import ApiKey, AuditEntry
from assistant.models.base import utcnow
from tests.apikeys.helpers import database_dump, make_key, stored

BOOTSTRAP = "test-bootstrap-key-0123456789"
PROBLEM = "application/problem+json"


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
    body = response.json()
    assert body["status"] == status
    return str(body["detail"])


def test_each_route_admits_only_its_scope_and_admin_everything(
    engine: Engine, client: TestClient
) -> None:
    ingest = make_key(engine, "ingest", "ingest")
    review = make_key(engine, "review", "review")
    admin = make_key(engine, "admin", "admin")

    detail = _problem(client.get("/api/v1/campaigns", headers=auth(ingest)), 403)
    assert "'ingest' scope" in detail and "'review'" in detail
    _problem(client.get("/api/v1/apikeys", headers=auth(ingest)), 403)
    assert client.get("/api/v1/campaigns", headers=auth(review)).status_code == 200
    assert client.get("/api/v1/segments", headers=auth(review)).status_code == 200
    detail = _problem(client.get("/api/v1/apikeys", headers=auth(review)), 403)
    assert "needs 'admin'" in detail
    body = {"name": "sneaky", "scope": "admin"}
    _problem(client.post("/api/v1/apikeys", json=body, headers=auth(review)), 403)
    for key in (admin, BOOTSTRAP):
        assert client.get("/api/v1/campaigns", headers=auth(key)).status_code == 200
        assert client.get("/api/v1/apikeys", headers=auth(key)).status_code == 200
    assert [row.name for row in _rows(engine)] == ["ingest", "review", "admin"]


def _rows(engine: Engine) -> list[ApiKey]:
    with unit_of_work(engine) as session:
        return list(session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


def test_unknown_wrong_and_revoked_keys_are_401_problems(
    engine: Engine, client: TestClient
) -> None:
    key = make_key(engine, "ci", "review")
    assert client.get("/api/v1/campaigns", headers=auth(key)).status_code == 200
    wrong_secret = key[:12] + ("0" if key[12] != "0" else "1") + key[13:]
    unknown_prefix = "ak_00000000" + key[11:]
    for presented in (wrong_secret, unknown_prefix, key[:11], "nope"):
        detail = _problem(client.get("/api/v1/campaigns", headers=auth(presented)), 401)
        assert detail == "Unknown or revoked API key."

    admin = make_key(engine, "admin", "admin")
    key_id = stored(engine, "ci").id
    revoked = client.delete(f"/api/v1/apikeys/{key_id}", headers=auth(admin))
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    response = client.get("/api/v1/campaigns", headers=auth(key))
    _problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_last_used_at_is_written_at_most_once_a_minute(engine: Engine, client: TestClient) -> None:
    key = make_key(engine, "ci", "review")
    assert stored(engine, "ci").last_used_at is None
    assert client.get("/api/v1/segments", headers=auth(key)).status_code == 200
    first = stored(engine, "ci").last_used_at
    assert first is not None

    def set_last_used(when: datetime) -> datetime:
        with unit_of_work(engine) as session:
            session.execute(update(ApiKey).where(ApiKey.name == "ci").values(last_used_at=when))
        return when

    # Used within the minute (stamped a little ahead of now, so however slow this machine
    # is, the next request falls inside that minute): the request writes nothing.
    recent = set_last_used(utcnow() + timedelta(seconds=30))
    assert client.get("/api/v1/segments", headers=auth(key)).status_code == 200
    assert stored(engine, "ci").last_used_at == recent

    older = set_last_used(first - timedelta(hours=1))  # an hour ago: noted again
    assert client.get("/api/v1/segments", headers=auth(key)).status_code == 200
    latest = stored(engine, "ci").last_used_at
    assert latest is not None and latest > older


def test_create_list_and_revoke_over_the_api(engine: Engine, client: TestClient) -> None:
    created = client.post(
        "/api/v1/apikeys", json={"name": "shopify", "scope": "ingest"}, headers=auth(BOOTSTRAP)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert body["name"] == "shopify" and body["scope"] == "ingest"
    assert key.startswith(body["prefix"] + "_")
    assert key not in database_dump(engine)

    _problem(client.get("/api/v1/campaigns", headers=auth(key)), 403)  # it works, as ingest
    listed = client.get("/api/v1/apikeys", headers=auth(BOOTSTRAP))
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["api_keys"]] == ["shopify"]
    assert "key" not in listed.json()["api_keys"][0]
    assert key[12:] not in listed.text and stored(engine, "shopify").hash not in listed.text

    duplicate = client.post(
        "/api/v1/apikeys", json={"name": "shopify", "scope": "review"}, headers=auth(BOOTSTRAP)
    )
    assert "is in use" in _problem(duplicate, 409)
    bad_scope = client.post(
        "/api/v1/apikeys", json={"name": "x", "scope": "owner"}, headers=auth(BOOTSTRAP)
    )
    assert bad_scope.json()["errors"][0]["loc"] == ["body", "scope"]
    _problem(bad_scope, 422)
    bad_name = client.post(
        "/api/v1/apikeys", json={"name": "two words", "scope": "ingest"}, headers=auth(BOOTSTRAP)
    )
    assert "invalid key name" in _problem(bad_name, 422)

    url = f"/api/v1/apikeys/{body['id']}"
    first = client.delete(url, headers=auth(BOOTSTRAP))
    again = client.delete(url, headers=auth(BOOTSTRAP))
    assert first.status_code == again.status_code == 200
    assert first.json()["revoked_at"] == again.json()["revoked_at"] is not None
    _problem(client.get("/api/v1/segments", headers=auth(key)), 401)
    assert "no API key 999" in _problem(
        client.delete("/api/v1/apikeys/999", headers=auth(BOOTSTRAP)), 404
    )
    with unit_of_work(engine) as session:
        audit = session.execute(
            select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.entity_type == "api_key")
        ).all()
    assert audit == [("apikey.created", "api:bootstrap"), ("apikey.revoked", "api:bootstrap")]


def test_a_stored_admin_key_acts_under_its_own_name(engine: Engine, client: TestClient) -> None:
    admin = make_key(engine, "ops", "admin")
    created = client.post(
        "/api/v1/apikeys", json={"name": "ci", "scope": "review"}, headers=auth(admin)
    )
    assert created.status_code == 201, created.text
    with unit_of_work(engine) as session:
        actor = session.execute(
            select(AuditEntry.actor)
            .where(AuditEntry.action == "apikey.created")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar_one()
    assert actor == "api:ops"


def test_the_list_pages_newest_first(engine: Engine, client: TestClient) -> None:
    for name in ("a", "b", "c"):
        make_key(engine, name, "review")
    first = client.get("/api/v1/apikeys?limit=2", headers=auth(BOOTSTRAP)).json()
    assert [row["name"] for row in first["api_keys"]] == ["c", "b"]
    rest = client.get(
        f"/api/v1/apikeys?limit=2&cursor={first['next_cursor']}", headers=auth(BOOTSTRAP)
    ).json()
    assert [row["name"] for row in rest["api_keys"]] == ["a"]
    assert rest["next_cursor"] is None
