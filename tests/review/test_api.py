"""`/api/v1/drafts`: list, read and decide on drafts through the API, as Slack and the
terminal do (the same review service), with the actor `api:<key name>`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.jobs.runners import InProcessRunner
from assistant.review.tasks import REGENERATE
from tests.fakes.openai_server import running_fake_openai, user_prompt
from tests.review.helpers import (
    add_campaign,
    add_customer,
    add_draft,
    audit_rows,
    draft_row,
    pending_store,
)

KEY = "test-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}
ACTOR = "api:bootstrap"
PROBLEM = "application/problem+json"
PRICED = "Hi Maya, the Cast Iron Skillet 10in is now $19.99, a steal. Sam at Ember & Oak"
HOUSE = [
    {
        "code": "intrusive_location",
        "severity": "block",
        "message": "mentions where the customer lives",
        "excerpt": "your house",
    }
]


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def blocked_draft(engine: Engine, findings: list[dict[str, Any]] = HOUSE) -> int:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Maya")
        return add_draft(
            session, customer, add_campaign(session), first_name="Maya", findings=findings
        )


def post(client: TestClient, draft_id: int, action: str, body: Any = None) -> Any:
    return client.post(f"/api/v1/drafts/{draft_id}/{action}", json=body, headers=AUTH)


def test_every_route_needs_a_key(engine: Engine, client: TestClient) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    for response in (
        client.get("/api/v1/drafts"),
        client.get(f"/api/v1/drafts/{draft_id}"),
        *(
            client.post(f"/api/v1/drafts/{draft_id}/{action}", json={"reason": "x", "body": "x"})
            for action in ("approve", "edit", "regenerate", "reject", "override")
        ),
    ):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
    assert draft_row(engine, draft_id).state == "pending_review"


def test_the_list_pages_by_cursor_each_draft_exactly_once(
    engine: Engine, client: TestClient
) -> None:
    names = ("Ana", "Ben", "Cy", "Dee", "Eve", "Fay", "Gus")
    store = pending_store(engine, names)
    other = pending_store(engine, ("Hal",))
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"campaign_id": store.campaign_id, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/v1/drafts", params=params, headers=AUTH)
        assert response.status_code == 200
        page = response.json()
        seen += [draft["id"] for draft in page["drafts"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(store.drafts.values()) and pages == 3
    assert other.drafts["Hal"] not in seen
    first = client.get("/api/v1/drafts", params={"limit": 1}, headers=AUTH).json()["drafts"][0]
    assert first["campaign_id"] == store.campaign_id and first["customer_id"].startswith("C")
    assert first["facts"]["customer"]["first_name"] == "Ana" and first["version"] == 1
    assert first["state"] == "pending_review" and first["regenerating"] is False


def test_the_list_filters(engine: Engine, client: TestClient) -> None:
    store = pending_store(engine, ("Ana", "Ben"))
    blocked = blocked_draft(engine)

    def ids(**params: Any) -> list[int]:
        response = client.get("/api/v1/drafts", params=params, headers=AUTH)
        assert response.status_code == 200
        return [draft["id"] for draft in response.json()["drafts"]]

    assert ids(campaign_id=store.campaign_id) == sorted(store.drafts.values())
    assert ids(state="needs_attention") == [blocked]
    assert ids(playbook="check_in", channel="sms") == [*sorted(store.drafts.values()), blocked]
    assert ids(channel="email") == [] and ids(playbook="upsell") == []
    for bad in ({"state": "nope"}, {"channel": "fax"}, {"cursor": "bogus"}, {"limit": 0}):
        response = client.get("/api/v1/drafts", params=bad, headers=AUTH)
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_a_draft_in_full_with_its_receipt_and_findings(engine: Engine, client: TestClient) -> None:
    draft_id = blocked_draft(engine)
    response = client.get(f"/api/v1/drafts/{draft_id}", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["first_name"] == "Maya" and body["state"] == "needs_attention"
    assert body["facts"]["purchase"]["product"] == "Cast Iron Skillet 10in"
    assert body["findings"][0]["code"] == "intrusive_location"
    assert body["findings"][0]["severity"] == "block" and body["message"] is None
    assert body["version"] == 1 and body["regenerating_at"] is None and body["history"] == []
    missing = client.get("/api/v1/drafts/424242", headers=AUTH)
    assert missing.status_code == 404 and "no draft 424242" in missing.json()["detail"]


def test_approve_records_the_key_and_the_first_decision_wins(
    engine: Engine, client: TestClient
) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    response = post(client, draft_id, "approve")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == f"approved by {ACTOR}"
    assert body["draft"]["state"] == "approved" and body["draft"]["decided_by"] == ACTOR
    assert [(e["actor"], e["action"]) for e in body["draft"]["history"]] == [
        (ACTOR, "draft.approved")
    ]
    again = post(client, draft_id, "approve")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert f"already approved by {ACTOR}" in again.json()["detail"]
    assert len(audit_rows(engine, draft_id)) == 1
    assert post(client, 424242, "approve").status_code == 404


def test_a_decision_on_a_text_that_changed_since_is_refused(
    engine: Engine, client: TestClient
) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    stale = post(client, draft_id, "reject", {"version": 7, "reason": "too long"})
    assert stale.status_code == 409
    assert "version 1, not 7" in stale.json()["detail"]
    assert draft_row(engine, draft_id).state == "pending_review"
    assert post(client, draft_id, "approve", {"version": 1}).status_code == 200
    assert post(client, draft_id, "approve", {"version": 0}).status_code == 422


def test_edit_runs_the_guardrails_then_approves(engine: Engine, client: TestClient) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    before = draft_row(engine, draft_id)
    blocked = post(client, draft_id, "edit", {"body": PRICED})
    assert blocked.status_code == 422 and blocked.headers["content-type"] == PROBLEM
    assert any(e["msg"].startswith("invented_price") for e in blocked.json()["errors"])
    assert draft_row(engine, draft_id).body == before.body
    assert post(client, draft_id, "edit", {"body": "   "}).status_code == 422
    assert post(client, draft_id, "edit", {}).status_code == 422

    text = "Hi Maya, how is the Cast Iron Skillet 10in? Reply if you need a hand. Sam"
    response = post(client, draft_id, "edit", {"body": f"  {text}\n", "version": 1})
    assert response.status_code == 200
    assert response.json()["message"] == f"edited and approved by {ACTOR}"
    row = draft_row(engine, draft_id)
    assert row.state == "approved" and row.body == text and row.original_body == before.body
    (entry,) = audit_rows(engine, draft_id)
    assert (entry.actor, entry.action, entry.data["after"]["body"]) == (
        ACTOR,
        "draft.edited",
        text,
    )
    assert post(client, draft_id, "edit", {"body": text}).status_code == 409


def test_reject_keeps_the_reason(engine: Engine, client: TestClient) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    response = post(client, draft_id, "reject", {"reason": "  she asked for no messages "})
    assert response.status_code == 200
    assert response.json()["draft"]["decision_note"] == "she asked for no messages"
    assert response.json()["draft"]["history"][0]["note"] == "she asked for no messages"
    assert draft_row(engine, draft_id).state == "rejected"
    refused = post(client, draft_id, "reject")
    assert refused.status_code == 409 and "already rejected" in refused.json()["detail"]
    assert post(client, draft_id, "reject", {"reason": "x" * 3000}).status_code == 422


def test_a_blocked_draft_is_overridden_with_a_reason(engine: Engine, client: TestClient) -> None:
    draft_id = blocked_draft(engine)
    approve = post(client, draft_id, "approve")
    assert approve.status_code == 409
    assert "override" in approve.json()["detail"] and "edit it" in approve.json()["detail"]
    assert post(client, draft_id, "override", {}).status_code == 422
    assert post(client, draft_id, "override", {"reason": "  "}).status_code == 422
    wrong = post(client, draft_id, "override", {"reason": "a name", "codes": ["invented_price"]})
    assert wrong.status_code == 409 and "not blocking this draft" in wrong.json()["detail"]

    reason = "House Blend is the product's name"
    response = post(client, draft_id, "override", {"reason": reason})
    assert response.status_code == 200
    draft = response.json()["draft"]
    assert draft["state"] == "pending_review" and draft["findings"][0]["overridden"] is True
    entry = audit_rows(engine, draft_id)[-1]
    assert (entry.actor, entry.action, entry.data["reason"]) == (
        ACTOR,
        "draft.findings_overridden",
        reason,
    )
    assert post(client, draft_id, "override", {"reason": reason}).status_code == 409
    assert post(client, draft_id, "approve").status_code == 200


def test_override_and_approve_in_one_request(engine: Engine, client: TestClient) -> None:
    draft_id = blocked_draft(engine)
    response = post(client, draft_id, "override", {"reason": "a product name", "approve": True})
    assert response.status_code == 200
    assert response.json()["message"] == f"overridden and approved by {ACTOR}"
    assert draft_row(engine, draft_id).state == "approved"
    actions = [(e.actor, e.action) for e in audit_rows(engine, draft_id)]
    assert actions == [(ACTOR, "draft.findings_overridden"), (ACTOR, "draft.approved")]


def test_what_no_one_may_override_is_refused(engine: Engine, client: TestClient) -> None:
    offer = [{"code": "invented_offer", "severity": "block", "message": "an offer"}]
    draft_id = blocked_draft(engine, offer)
    response = post(client, draft_id, "override", {"reason": "fine", "approve": True})
    assert response.status_code == 409 and "cannot be overridden" in response.json()["detail"]
    assert draft_row(engine, draft_id).state == "needs_attention"
    assert audit_rows(engine, draft_id) == []


def test_regenerate_answers_202_and_the_task_writes_the_new_text(
    engine: Engine, client: TestClient
) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    before = draft_row(engine, draft_id)
    response = post(client, draft_id, "regenerate", {"instruction": "warmer", "version": 1})
    assert response.status_code == 202
    assert response.json()["draft"]["regenerating_at"] is not None  # as the answer saw it
    # In-process (no ASSISTANT_BROKER_URL) the task ran once the request committed.
    after = draft_row(engine, draft_id)
    assert after.body != before.body and after.regenerating_at is None
    assert after.findings["instruction"] == "warmer" and after.version == before.version + 2
    actions = [(e.actor, e.action) for e in audit_rows(engine, draft_id)]
    assert actions == [(ACTOR, "draft.regeneration_requested"), (ACTOR, "draft.regenerated")]

    # The task delivered twice (a Celery redelivery) writes nothing more.
    InProcessRunner().enqueue(REGENERATE, draft_id=draft_id, instruction="warmer", actor_id=ACTOR)
    again = draft_row(engine, draft_id)
    assert (again.body, again.version) == (after.body, after.version)
    assert len(audit_rows(engine, draft_id)) == 2

    shown = client.get(f"/api/v1/drafts/{draft_id}", headers=AUTH).json()
    assert shown["body"] == after.body and shown["history"][-1]["instruction"] == "warmer"
    assert post(client, draft_id, "regenerate", {"instruction": "x" * 201}).status_code == 422
    assert post(client, draft_id, "reject").status_code == 200
    refused = post(client, draft_id, "regenerate")
    assert refused.status_code == 409 and "already rejected" in refused.json()["detail"]
    assert post(client, 424242, "regenerate").status_code == 404


def test_regenerate_with_the_openai_drafter_sends_the_instruction(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = pending_store(engine, ("Maya",)).drafts["Maya"]
    before = draft_row(engine, draft_id)
    with running_fake_openai() as model:
        for name, value in {
            "ASSISTANT_LLM": "openai",
            "OPENAI_BASE_URL": model.base_url,
            "OPENAI_API_KEY": "sk-test-not-a-secret",
            "ASSISTANT_LLM_MODEL": "gpt-test",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        response = post(client, draft_id, "regenerate", {"instruction": "mention the oven"})
        assert response.status_code == 202
    # The task built the configured drafter from settings and asked the model once.
    (request,) = model.bodies()
    assert "mention the oven" in user_prompt(request)
    after = draft_row(engine, draft_id)
    assert after.model == "gpt-test" and after.body != before.body and "Maya" in after.body
    assert audit_rows(engine, draft_id)[-1].actor == ACTOR
