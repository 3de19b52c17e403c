"""`assistant report outcomes` and `GET /api/v1/reports/outcomes`: output, scope, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.reports.outcomes_store import DAY, T0, campaign, customer, order, sent

BOOTSTRAP = "test-bootstrap-key-0123456789"
URL = "/api/v1/reports/outcomes"


def _store(engine: Engine) -> int:
    """One delivered SMS and a 40.00 order two days later; the campaign id."""
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session)
        sent(session, who, cid, T0)
        order(session, who, T0 + 2 * DAY, "40.00")
    return cid


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def test_the_table_and_json(engine: Engine) -> None:
    cid = _store(engine)
    table = invoke("report", "outcomes")
    assert table.exit_code == 0, table.output
    assert "Outcomes by campaign (orders within 7 days, last touch)" in table.output
    assert "40.00" in table.output
    result = invoke("report", "outcomes", "--campaign", str(cid), "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["by"], body["campaign"], body["attribution_days"]) == ("campaign", cid, 7)
    (group,) = body["groups"]
    assert (group["key"], group["converted"], group["revenue"]) == (str(cid), 1, 40.0)


def test_an_empty_window_says_so(engine: Engine) -> None:
    _store(engine)
    result = invoke("report", "outcomes", "--since", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert "No drafts or messages from 2026-12-01 to now." in result.output


def test_bad_input_is_one_line_and_exit_2(engine: Engine) -> None:
    for args, said in (
        (("--by", "flavour"), "unknown --by 'flavour'"),
        (("--since", "monday"), "--since 'monday' is not a date"),
        (("--since", "2026-12-02", "--until", "2026-12-01"), "is after --until"),
    ):
        result = invoke("report", "outcomes", *args)
        assert result.exit_code == 2, result.output
        assert said in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_a_review_key_reads_it_and_an_ingest_key_is_refused(
    engine: Engine, client: TestClient
) -> None:
    _store(engine)
    review = make_key(engine, "review", "review")
    response = client.get(
        URL, params={"by": "playbook"}, headers={"Authorization": f"Bearer {review}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["attribution_days"] == 7
    assert [(g["key"], g["orders"], g["revenue"]) for g in body["groups"]] == [
        ("check_in", 1, 40.0)
    ]
    ingest = make_key(engine, "ingest", "ingest")
    refused = client.get(URL, headers={"Authorization": f"Bearer {ingest}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    for params in ({"by": "flavour"}, {"since": "2026-12-02", "until": "2026-12-01"}):
        bad = client.get(URL, params=params, headers={"Authorization": f"Bearer {BOOTSTRAP}"})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"] == "application/problem+json"
