"""`assistant variants ...`, `assistant report variants` and their API routes: output,
promotion, key scopes and one-line errors (exit 2, 422 problems)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.variants.service import promoted_variant
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.reports.outcomes_store import T0, campaign, customer, draft, message
from tests.variants.helpers import prompts_copy

BOOTSTRAP = "test-bootstrap-key-0123456789"


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def _one_line_error(args: tuple[str, ...], said: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _problem(response: Response, said: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert said in json.dumps(response.json())


def test_list_promote_and_unpromote_at_the_terminal(engine: Engine) -> None:
    listed = invoke("variants", "list")
    assert listed.exit_code == 0, listed.output
    assert "recognition: testing" in listed.output and "early_access" in listed.output
    promoted = invoke("variants", "promote", "recognition", "early_access")
    assert promoted.exit_code == 0, promoted.output
    with unit_of_work(engine) as session:
        assert promoted_variant(session, "recognition") == "early_access"
    body = json.loads(invoke("variants", "list", "--format", "json").output)
    (item,) = body["playbooks"]
    assert item["promoted"] == "early_access" and item["promoted_by"].startswith("terminal:")
    assert [(v["name"], v["share"]) for v in item["variants"]] == [
        ("thanks", 0.0),
        ("early_access", 1.0),
    ]
    assert invoke("variants", "unpromote", "recognition").exit_code == 0
    with unit_of_work(engine) as session:
        assert promoted_variant(session, "recognition") is None
    body = json.loads(
        invoke("variants", "list", "--playbook", "recognition", "--format", "json").output
    )
    assert [v["share"] for v in body["playbooks"][0]["variants"]] == [0.5, 0.5]


def test_cli_mistakes_are_one_line_and_exit_2(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_line_error(("variants", "promote", "recognition", "early"), "no variant 'early'")
    _one_line_error(("variants", "promote", "upsell", "a"), "'upsell' has no variants")
    _one_line_error(("variants", "unpromote", "nope"), "'nope' has no variants")
    _one_line_error(("variants", "list", "--playbook", "nope"), "'nope' has no variants")
    _one_line_error(("report", "variants", "--playbook", "nope"), "unknown playbook 'nope'")
    _one_line_error(("report", "variants", "--since", "monday"), "is not a date")
    prompts_copy(tmp_path, monkeypatch, "playbooks:\n  recognition:\n    a: {}\n")
    _one_line_error(("variants", "list"), "playbooks.recognition: needs 2 to 4 variants, got 1")
    _one_line_error(("report", "variants"), "needs 2 to 4 variants")


def test_the_report_at_the_terminal(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        who = customer(session)
        made = draft(session, who, cid, playbook="recognition", channel="email", variant="thanks")
        message(session, who, made, T0, channel="email")
    table = invoke("report", "variants")
    assert table.exit_code == 0, table.output
    assert "recognition" in table.output and "not enough data yet" in table.output
    body = json.loads(invoke("report", "variants", "--format", "json").output)
    assert body["min_sent"] == 100
    (test,) = body["playbooks"]
    assert {v["variant"]: v["sent"] for v in test["variants"]} == {"early_access": 0, "thanks": 1}


def test_the_api_lists_promotes_and_reports(engine: Engine, client: TestClient) -> None:
    review = make_key(engine, "review", "review")
    listed = client.get("/api/v1/variants", headers=_auth(review))
    assert listed.status_code == 200, listed.text
    assert listed.json()["playbooks"][0]["playbook"] == "recognition"
    promoted = client.post(
        "/api/v1/variants/recognition/promote",
        json={"variant": "thanks"},
        headers=_auth(review),
    )
    assert promoted.status_code == 200, promoted.text
    assert (promoted.json()["promoted"], promoted.json()["promoted_by"]) == (
        "thanks",
        "api:review",
    )
    report = client.get("/api/v1/reports/variants", headers=_auth(review))
    assert report.status_code == 200, report.text
    assert report.json()["playbooks"][0]["promoted"] == "thanks"
    resumed = client.post("/api/v1/variants/recognition/unpromote", headers=_auth(review))
    assert resumed.status_code == 200 and resumed.json()["promoted"] is None


def test_the_drafts_api_shows_each_drafts_variant(engine: Engine, client: TestClient) -> None:
    with unit_of_work(engine) as session:
        cid = campaign(session, "recognition")
        draft(session, customer(session), cid, playbook="recognition", variant="early_access")
        draft(session, customer(session), cid, playbook="recognition")
    listed = client.get("/api/v1/drafts", headers=_auth(BOOTSTRAP))
    assert listed.status_code == 200, listed.text
    assert [d["variant"] for d in listed.json()["drafts"]] == ["early_access", None]


def test_api_scopes_and_problems(engine: Engine, client: TestClient) -> None:
    ingest = make_key(engine, "ingest", "ingest")
    refused = client.post(
        "/api/v1/variants/recognition/promote", json={"variant": "thanks"}, headers=_auth(ingest)
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/reports/variants", headers=_auth(ingest)).status_code == 403
    admin = _auth(BOOTSTRAP)
    _problem(
        client.post("/api/v1/variants/recognition/promote", json={"variant": "x"}, headers=admin),
        "no variant 'x'",
    )
    _problem(
        client.post("/api/v1/variants/upsell/promote", json={"variant": "a"}, headers=admin),
        "'upsell' has no variants",
    )
    _problem(client.get("/api/v1/reports/variants?playbook=nope", headers=admin), "nope")
    _problem(client.get("/api/v1/variants?playbook=nope", headers=admin), "nope")
    with unit_of_work(engine) as session:
        assert promoted_variant(session, "recognition") is None
