"""`/api/v1/prompts/examples` and the API's edit path; a learned example reaches the model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from tests.apikeys.helpers import make_key
from tests.fakes.openai_server import message_text, running_fake_openai
from tests.learning.test_harvest import EDIT, EXPECTED, customer_draft, examples
from tests.review.helpers import pending_store

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
PROBLEM = "application/problem+json"
ROUTE = "/api/v1/prompts/examples"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def api_edit(client: TestClient, draft_id: int, body: str) -> Any:
    return client.post(f"/api/v1/drafts/{draft_id}/edit", json={"body": body}, headers=AUTH)


def test_an_api_edit_is_harvested_listed_and_removed(engine: Engine, client: TestClient) -> None:
    draft_id = customer_draft(engine, "Maya")
    assert api_edit(client, draft_id, EDIT.format(name="Maya")).status_code == 200
    (example,) = examples(engine)
    assert example.source_draft_id == draft_id

    page = client.get(ROUTE, headers=AUTH, params={"playbook": "check_in", "channel": "sms"})
    assert page.status_code == 200
    (row,) = page.json()["examples"]
    assert (row["id"], row["text"], row["removed_at"]) == (example.id, EXPECTED, None)
    assert client.get(ROUTE, headers=AUTH, params={"playbook": "upsell"}).json()["examples"] == []

    removed = client.delete(f"{ROUTE}/{example.id}", headers=AUTH)
    assert removed.status_code == 200
    assert removed.json()["removed_by"] == "api:bootstrap" and removed.json()["removed_at"]
    assert client.delete(f"{ROUTE}/{example.id}", headers=AUTH).status_code == 200
    assert client.get(ROUTE, headers=AUTH).json()["examples"] == []
    shown = client.get(ROUTE, headers=AUTH, params={"removed": "true"}).json()["examples"]
    assert [r["id"] for r in shown] == [example.id]

    # The same edit again is not learned again: the removed example's fingerprint stays.
    again = customer_draft(engine, "Leo")
    assert api_edit(client, again, EDIT.format(name="Leo")).status_code == 200
    assert len(examples(engine)) == 1


def test_problems_and_scopes(engine: Engine, client: TestClient) -> None:
    missing = client.delete(f"{ROUTE}/424242", headers=AUTH)
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert "no learned example 424242" in missing.json()["detail"]
    for params in ({"playbook": "nope"}, {"channel": "fax"}, {"limit": "0"}):
        bad = client.get(ROUTE, headers=AUTH, params=params)
        assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM, params
    assert client.delete(f"{ROUTE}/{2**63}", headers=AUTH).status_code == 422
    assert client.get(ROUTE).status_code == 401
    ingest = {"Authorization": f"Bearer {make_key(engine, 'feeder', 'ingest')}"}
    assert client.get(ROUTE, headers=ingest).status_code == 403
    assert client.delete(f"{ROUTE}/1", headers=ingest).status_code == 403
    review = {"Authorization": f"Bearer {make_key(engine, 'staff', 'review')}"}
    assert client.get(ROUTE, headers=review).status_code == 200


def system_prompt(request: dict[str, Any]) -> str:
    return " ".join(
        message_text(m) for m in request.get("messages") or [] if m.get("role") == "system"
    )


def test_the_model_is_shown_the_learned_example(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    taught = customer_draft(engine, "José")
    assert api_edit(client, taught, EDIT.format(name="Jose")).status_code == 200
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    with running_fake_openai() as model:
        for name, value in {
            "ASSISTANT_LLM": "openai",
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-secret",
            "ASSISTANT_LLM_MODEL": "gpt-test",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        response = client.post(f"/api/v1/drafts/{draft_id}/regenerate", json={}, headers=AUTH)
        assert response.status_code == 202
    (request,) = model.bodies()
    system = system_prompt(request)
    assert EXPECTED in system
    # Learned examples come first, then brand.yaml's; nothing of the original text.
    assert system.index(EXPECTED) < system.index("Hi [first name], hope your [product]")
    assert "José" not in system and "Jose" not in system and "emberandoak" not in system
