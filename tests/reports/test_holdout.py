"""The holdout report on a hand-built store (tests/reports/holdout_store.py), its CLI and
API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.reports.holdout import HoldoutRow, holdout_report
from assistant.reports.service import BadReportInput
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.reports.holdout_store import HoldoutStore, holdout_store

BOOTSTRAP = "test-bootstrap-key-0123456789"
URL = "/api/v1/reports/holdout"


def _store(engine: Engine) -> HoldoutStore:
    with unit_of_work(engine) as session:
        return holdout_store(session)


def _report(engine: Engine, **kwargs: object) -> dict[str, HoldoutRow]:
    with unit_of_work(engine) as session:
        rows = holdout_report(session, days=7, **kwargs)  # type: ignore[arg-type]
    return {row.key: row for row in rows}


def test_the_numbers_of_the_hand_built_store(engine: Engine) -> None:
    _store(engine)
    rows = _report(engine)
    assert sorted(rows) == ["check_in", "upsell"]  # campaign C recorded no holdout
    check_in = rows["check_in"]
    treated, held = check_in.treated, check_in.holdout
    assert check_in.campaigns == 1
    assert (treated.customers, treated.converted, treated.revenue) == (4, 1, 50.0)
    assert (held.customers, held.converted, held.revenue) == (2, 1, 20.0)
    assert (treated.revenue_per_customer, held.revenue_per_customer) == (12.5, 10.0)
    assert check_in.lift_points is not None
    assert check_in.lift_points.estimate == pytest.approx(-25.0)
    # Revenues (50, 0, 0, 0): variance ((37.5)^2 + 3 * 12.5^2) / 3 = 625; (20, 0): 200.
    # se = sqrt(625/4 + 200/2) = 16.0078; z * se = 31.3747 around 12.50 - 10.00 = 2.50.
    spread = check_in.revenue_difference
    assert spread is not None and spread.estimate == pytest.approx(2.5)
    assert (spread.low, spread.high) == (
        pytest.approx(2.5 - 31.3747, abs=1e-3),
        pytest.approx(2.5 + 31.3747, abs=1e-3),
    )
    # P(p1 > p2) for 1 of 4 against 1 of 2: 2/7 (tests/reports/test_stats.py).
    assert check_in.probability_positive == pytest.approx(2 / 7)
    assert not check_in.enough_data
    assert check_in.note.startswith("not enough data yet: needs 30 holdout customers")


def test_groupings_window_and_one_campaign(engine: Engine) -> None:
    store = _store(engine)
    by_trigger = _report(engine, by="trigger")
    assert sorted(by_trigger) == ["(none)", "repeat_product"]
    assert by_trigger["repeat_product"].holdout.customers == 1
    by_campaign = _report(engine, by="campaign")
    assert sorted(by_campaign) == sorted([str(store.a), str(store.b)])
    assert list(_report(engine, campaign_id=store.b)) == ["upsell"]
    assert _report(engine, since=date(2026, 11, 3)) == {}
    with pytest.raises(BadReportInput):
        _report(engine, by="segment")


def test_enough_data_needs_30_held_out_and_5_conversions() -> None:
    from assistant.reports.holdout import _compare

    row = HoldoutRow("x")
    for index in range(300):
        row.treated.count(index < 30, 10.0 if index < 30 else 0.0)
    for index in range(30):
        row.holdout.count(index < 1, 10.0 if index < 1 else 0.0)
    _compare(row)
    assert row.enough_data and row.note == ""
    assert row.lift_points is not None and row.lift_points.low < 6.7 < row.lift_points.high
    row = HoldoutRow("y")
    for _ in range(29):
        row.holdout.count(True, 1.0)
    row.treated.count(True, 1.0)
    _compare(row)
    assert not row.enough_data


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def test_the_table_and_json(engine: Engine) -> None:
    store = _store(engine)
    table = invoke("report", "holdout")
    assert table.exit_code == 0, table.output
    assert "Holdouts by playbook" in table.output and "1/4 25.0%" in table.output
    assert "not enough data yet" in table.output
    result = invoke("report", "holdout", "--campaign", str(store.a), "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    (group,) = body["groups"]
    assert (group["key"], group["treated"]["customers"], group["holdout"]["converted"]) == (
        "check_in",
        4,
        1,
    )
    assert group["lift_points"]["estimate"] == pytest.approx(-25.0)
    empty = invoke("report", "holdout", "--since", "2026-12-01")
    assert "No campaigns with a holdout from 2026-12-01 to now." in empty.output


def test_bad_input_is_one_line_and_exit_2(engine: Engine) -> None:
    for args, said in (
        (("--by", "segment"), "unknown --by 'segment'"),
        (("--since", "monday"), "--since 'monday' is not a date"),
        (("--since", "2026-12-02", "--until", "2026-12-01"), "is after --until"),
    ):
        result = invoke("report", "holdout", *args)
        assert result.exit_code == 2, result.output
        assert said in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_the_api_reads_it_with_a_key_and_explains_bad_input(
    engine: Engine, client: TestClient
) -> None:
    _store(engine)
    assert client.get(URL).status_code == 401
    review = make_key(engine, "review", "review")
    response = client.get(URL, headers={"Authorization": f"Bearer {review}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [g["key"] for g in body["groups"]] == ["check_in", "upsell"]
    assert body["groups"][0]["probability_positive"] == pytest.approx(2 / 7)
    assert body["groups"][0]["enough_data"] is False
    for params in ({"by": "segment"}, {"since": "2026-12-02", "until": "2026-12-01"}):
        bad = client.get(URL, params=params, headers={"Authorization": f"Bearer {BOOTSTRAP}"})
        assert bad.status_code == 422, bad.text
        assert bad.headers["content-type"] == "application/problem+json"
