"""`GET|POST /api/v1/customers/{external_id}/consent` behind the API key, errors as problem+json."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Customer, DraftState
from tests.asgi import call
from tests.conversations.helpers import consent_events
from tests.delivery.factories import Clock, add_customer, add_draft, policy
from tests.delivery.helpers import draft_state, message, schedule

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
ACTOR = "api:bootstrap"
PROBLEM = "application/problem+json"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def _customer(engine: Engine, **fields: object) -> Customer:
    with unit_of_work(engine) as session:
        return add_customer(session, **fields)


def url(customer: Customer | str) -> str:
    external = customer if isinstance(customer, str) else customer.external_id
    return f"/api/v1/customers/{external}/consent"


def test_both_routes_need_an_api_key(engine: Engine, client: TestClient) -> None:
    person = _customer(engine)
    assert client.get(url(person)).status_code == 401
    body = {"channel": "sms", "granted": False, "source": "support_call"}
    response = client.post(url(person), json=body, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert consent_events(engine, person.id) == []


def test_get_reads_consent_per_channel(engine: Engine, client: TestClient) -> None:
    person = _customer(engine, phone="+15551230000", email_consent=False, email_consent_source=None)
    response = client.get(url(person), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["customer_id"] == person.external_id
    assert body["channels"]["sms"] == {
        "granted": True,
        "source": "import",
        "at": None,
        "destination": "+1555•••0000",
        "suppressed": False,
        "ai_consent": False,
        "ledger_problem": None,
    }
    assert body["channels"]["email"]["granted"] is False
    assert body["history"] == []
    assert body["ai_consent_required"] is False


def test_post_revokes_with_the_key_as_actor_and_cancels_what_is_queued(
    engine: Engine, client: TestClient
) -> None:
    person = _customer(engine)
    with unit_of_work(engine) as session:
        draft_id = add_draft(session, session.get_one(Customer, person.id)).id
    message_id = schedule(engine, draft_id, Clock(), policy())
    assert message_id is not None
    body = {"channel": "sms", "granted": False, "source": "support_call"}
    response = client.post(url(person), json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["channels"]["sms"]["granted"] is False
    assert [(e["source"], e["actor"]) for e in document["history"]] == [("support_call", ACTOR)]
    assert message(engine, message_id).status == "cancelled"
    assert draft_state(engine, draft_id) == DraftState.CANCELLED
    assert KEY not in response.text


def test_unknown_customer_bad_bodies_and_refusals_are_problems(
    engine: Engine, client: TestClient
) -> None:
    person = _customer(engine, email_consent=False, email_consent_source="email_unsubscribe")
    missing = client.get(url("nobody"), headers=AUTH)
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no customer 'nobody'",
    }
    body = {"channel": "email", "granted": True, "source": "paper_form"}
    assert client.post(url("nobody"), json=body, headers=AUTH).status_code == 404

    for bad in (
        {"channel": "fax", "granted": True, "source": "paper_form"},
        {"channel": "email", "source": "paper_form"},
        {"channel": "email", "granted": True, "source": "Told us!"},
        {**body, "extra": 1},
    ):
        response = client.post(url(person), json=bad, headers=AUTH)
        assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM), bad
        problem = response.json()
        assert problem["status"] == 422 and problem["errors"]
    invalid_json = client.post(
        url(person), content="{", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert invalid_json.status_code == 422

    refused = client.post(url(person), json=body, headers=AUTH)
    assert (refused.status_code, refused.headers["content-type"]) == (409, PROBLEM)
    assert "email_unsubscribe" in refused.json()["detail"]
    assert consent_events(engine, person.id) == []
    forced = client.post(url(person), json={**body, "force": True}, headers=AUTH)
    assert forced.status_code == 200
    assert forced.json()["channels"]["email"]["granted"] is True


def test_export_returns_the_audit_pack_of_one_destination(
    engine: Engine, client: TestClient
) -> None:
    person = _customer(engine, phone="+15551230000")
    body = {"channel": "sms", "granted": False, "source": "support_call", "wording": "Stop."}
    assert client.post(url(person), json=body, headers=AUTH).status_code == 200

    assert client.get("/api/v1/consent/export?phone=%2B15551230000").status_code == 401
    response = client.get("/api/v1/consent/export?phone=%2B15551230000", headers=AUTH)
    assert response.status_code == 200, response.text
    pack = response.json()
    assert pack["destination"] == {"channel": "sms", "address": "+15551230000"}
    [change] = pack["consent_changes"]
    assert (change["granted"], change["source"], change["actor"]) == (False, "support_call", ACTOR)
    assert change["wording"] == "Stop."

    for query in ("", "?phone=12", "?phone=%2B15551230000&email=a%40example.com"):
        refused = client.get(f"/api/v1/consent/export{query}", headers=AUTH)
        assert refused.status_code == 422, query
        assert refused.headers["content-type"] == PROBLEM


def test_a_change_is_committed_before_the_response_starts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every API route's unit of work ends when the route returns: a client that acts on
    the 200 at once (reads it back, or tells the customer) finds the change stored."""
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    person = _customer(engine, phone="+15551230000")
    body = b'{"channel": "sms", "granted": false, "source": "support_call"}'
    status, events = call(
        create_app(engine),
        "POST",
        url(person),
        body=body,
        headers={**AUTH, "content-type": "application/json"},
        at_response_start=lambda: len(consent_events(engine, person.id)),
    )
    assert status == 200
    assert events == 1
