"""`report review --playbook P`: one playbook's review numbers, e.g. by week (learning)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Draft
from tests.clitools import invoke
from tests.reports.helpers import ANA, CREATED, _edit, decided_store
from tests.review.helpers import add_campaign, add_customer, add_draft

KEY = "test-key-0123456789"


def with_an_upsell(engine: Engine) -> int:
    """The ten check-in drafts of `decided_store`, and one upsell edited in week 50."""
    decided_store(engine)
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Leo")
        draft_id = add_draft(session, customer, add_campaign(session), first_name="Leo")
        session.execute(update(Draft).where(Draft.id == draft_id).values(playbook="upsell"))
    _edit(engine, draft_id, ANA, " Cheers")
    with unit_of_work(engine) as session:
        session.execute(
            update(Draft)
            .where(Draft.id == draft_id)
            .values(created_at=CREATED, decided_at=CREATED + timedelta(days=8))
        )
    return draft_id


def test_the_cli_shows_one_playbook_by_week(engine: Engine) -> None:
    with_an_upsell(engine)
    everything = json.loads(invoke("report", "review", "--by", "week", "--format", "json").stdout)
    assert {g["key"] for g in everything["groups"]} == {
        "2026-W48",
        "2026-W49",
        "2026-W50",
        "(undecided)",
    }

    result = invoke("report", "review", "--by", "week", "--playbook", "upsell", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["playbook"] == "upsell"
    (week,) = body["groups"]
    assert (week["key"], week["decided"], week["edited"], week["mean_edit_distance"]) == (
        "2026-W50",
        1,
        1,
        7.0,
    )
    check_in = json.loads(
        invoke(
            "report", "review", "--by", "week", "--playbook", "check_in", "--format", "json"
        ).stdout
    )
    assert {g["key"] for g in check_in["groups"]} == {"2026-W48", "2026-W49", "(undecided)"}
    table = invoke("report", "review", "--by", "week", "--playbook", "upsell")
    assert "2026-W50" in table.stdout and "2026-W48" not in table.stdout

    bad = invoke("report", "review", "--playbook", "upsel")
    assert bad.exit_code == 2 and "did you mean" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", KEY)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def test_the_api_takes_the_playbook_too(engine: Engine, client: TestClient) -> None:
    with_an_upsell(engine)
    auth = {"Authorization": f"Bearer {KEY}"}
    params = {"by": "week", "playbook": "upsell"}
    body = client.get("/api/v1/reports/review", params=params, headers=auth).json()
    assert body["playbook"] == "upsell" and [g["key"] for g in body["groups"]] == ["2026-W50"]
    bad = client.get("/api/v1/reports/review", params={"playbook": "nope"}, headers=auth)
    assert bad.status_code == 422 and "unknown playbook 'nope'" in bad.json()["detail"]
