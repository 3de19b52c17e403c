"""`/api/v1/customers/{id}` (review key), `.../export` and `.../forget` (admin key)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer
from tests.delivery.factories import add_customer, add_draft

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def _customer(engine: Engine) -> Customer:
    with unit_of_work(engine) as session:
        person = add_customer(session, first_name="Odile", phone="+15551230000")
        add_draft(session, person, body="Hi Odile, the kettle is back")
        return person


def test_profile_export_and_forget(engine: Engine, client: TestClient) -> None:
    person = _customer(engine)
    base = f"/api/v1/customers/{person.external_id}"
    profile = client.get(base, headers=AUTH)
    assert profile.status_code == 200, profile.text
    assert profile.json()["consent"]["sms"]["destination"] == "+1555•••0000"
    assert "+15551230000" not in profile.text

    exported = client.get(f"{base}/export", headers=AUTH)
    assert exported.status_code == 200
    assert exported.json()["drafts"][0]["body"] == "Hi Odile, the kettle is back"

    forgotten = client.post(f"{base}/forget", headers=AUTH)
    assert forgotten.status_code == 200, forgotten.text
    body = forgotten.json()
    assert (body["forgotten"], body["cancelled_drafts"], body["erased"]["drafts"]) == (True, 1, 1)
    assert "Odile" not in client.get(f"{base}/export", headers=AUTH).text
    again = client.post(f"{base}/forget", headers=AUTH).json()
    assert (again["forgotten"], again["forgotten_at"]) == (False, body["forgotten_at"])
    # Consent still answers beside these routes.
    assert client.get(f"{base}/consent", headers=AUTH).status_code == 200


def test_keys_and_unknown_customers_are_problems(engine: Engine, client: TestClient) -> None:
    person = _customer(engine)
    base = f"/api/v1/customers/{person.external_id}"
    for method, path in (("GET", base), ("GET", f"{base}/export"), ("POST", f"{base}/forget")):
        assert client.request(method, path).status_code == 401
        missing = client.request(method, path.replace(person.external_id, "nobody"), headers=AUTH)
        assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
        assert missing.json()["detail"] == "no customer 'nobody'"
    with unit_of_work(engine) as session:
        assert session.get_one(Customer, person.id).forgotten_at is None
