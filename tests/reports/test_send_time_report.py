"""The send-time report on a hand-built store: reply rates per policy, Wilson intervals, the
learned - holdout lift with its interval, the minimum per arm; CLI and API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.api.app import create_app
from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.reports.send_time import send_time_report
from assistant.reports.stats import Interval, proportion_diff, wilson
from tests.apikeys.helpers import make_key
from tests.clitools import invoke
from tests.reports.outcomes_store import DAY, T0
from tests.reports.send_time_store import messages as _messages
from tests.reports.send_time_store import send_time_store as _store

BOOTSTRAP = "test-bootstrap-key-0123456789"
URL = "/api/v1/reports/send-time"


def _close(found: Interval | None, expected: tuple[float, float, float]) -> bool:
    assert found is not None
    return all(abs(a - b) < 5e-4 for a, b in zip(found.__dict__.values(), expected, strict=True))


def test_wilson_known_values() -> None:
    assert _close(wilson(0, 10), (0.0, 0.0, 0.2775))
    assert _close(wilson(5, 10), (0.5, 0.2366, 0.7634))
    assert _close(wilson(81, 263), (0.3080, 0.2553, 0.3662))  # Newcombe 1998, table I
    assert wilson(0, 0) is None


def test_difference_matches_newcombes_worked_example() -> None:
    # Newcombe (1998), table II, example (a): 56/70 - 48/80 = 0.2000 (0.0524, 0.3339).
    assert _close(proportion_diff(56, 70, 48, 80), (0.2, 0.0524, 0.3339))
    assert proportion_diff(0, 0, 1, 10) is None


def test_numbers_per_policy_and_the_lift(engine: Engine) -> None:
    _store(engine)
    with unit_of_work(engine) as session:
        report = send_time_report(session, get_settings())
    rows = {row.policy: row for row in report.policies}
    assert [(p, rows[p].sent, rows[p].replied) for p in rows] == [
        ("learned", 40, 20),
        ("segment", 5, 1),
        ("brand", 2, 0),
        ("none", 10, 3),
        ("holdout", 40, 8),
        ("fixed", 0, 0),
    ]
    assert (rows["learned"].reply_rate, rows["holdout"].reply_rate) == (0.5, 0.2)
    assert (rows["none"].reply_rate, rows["brand"].reply_rate) == (0.3, 0.0)
    expected = wilson(20, 40)
    assert expected is not None
    assert (rows["learned"].low, rows["learned"].high) == (
        round(expected.low, 4),
        round(expected.high, 4),
    )
    assert rows["fixed"].reply_rate is None and rows["fixed"].low is None
    assert report.lift is not None
    # 0.5 - 0.2 with Newcombe's interval from Wilson (0.3520, 0.6480) and (0.1050, 0.3476).
    assert _close(report.lift, (0.3, 0.0910, 0.4759))
    assert report.verdict == "learned lifts the reply rate"
    assert report.reply_days == 7


def test_an_interval_spanning_zero_is_no_clear_difference(engine: Engine) -> None:
    _store(engine, learned_replied=16)
    with unit_of_work(engine) as session:
        report = send_time_report(session, get_settings())
    assert _close(report.lift, (0.2, -0.0010, 0.3810))
    assert report.verdict == "no clear difference"


def test_below_thirty_per_arm_is_not_enough_data(engine: Engine) -> None:
    _store(engine, holdout=29)
    with unit_of_work(engine) as session:
        report = send_time_report(session, get_settings())
    assert (report.lift, report.verdict) == (None, "not enough data yet")


def test_the_window_counts_messages_by_when_they_went_out(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        _messages(session, "learned", 3, 1)
        _messages(session, "learned", 2, 2, day=10)
    with unit_of_work(engine) as session:
        later = (T0 + 10 * DAY).date()
        report = send_time_report(session, get_settings(), since=later)
    learned = next(row for row in report.policies if row.policy == "learned")
    assert (learned.sent, learned.replied) == (2, 2)


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ASSISTANT_API_KEYS", BOOTSTRAP)
    get_settings.cache_clear()
    with TestClient(create_app(engine)) as test_client:
        yield test_client


def test_the_table_and_json(engine: Engine) -> None:
    _store(engine)
    table = invoke("report", "send-time")
    assert table.exit_code == 0, table.output
    assert "Send time: replies within 7 days" in table.output
    assert "learned - holdout: +30.0% (95% +9.1% to +47.6%)" in table.output
    result = invoke("report", "send-time", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["lift"]["estimate"] == 0.3 and body["min_per_arm"] == 30
    assert invoke("report", "send-time", "--until", "2026-01-01").output.count("not enough") == 1


def test_bad_dates_are_one_line_and_exit_2(engine: Engine) -> None:
    for args in (("--since", "monday"), ("--since", "2026-12-02", "--until", "2026-12-01")):
        result = invoke("report", "send-time", *args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_the_api_for_a_review_key_not_an_ingest_key(engine: Engine, client: TestClient) -> None:
    _store(engine)
    review = make_key(engine, "review", "review")
    response = client.get(URL, headers={"Authorization": f"Bearer {review}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verdict"] == "learned lifts the reply rate"
    assert [(g["policy"], g["sent"]) for g in body["policies"]][:2] == [
        ("learned", 40),
        ("segment", 5),
    ]
    ingest = make_key(engine, "ingest", "ingest")
    assert client.get(URL, headers={"Authorization": f"Bearer {ingest}"}).status_code == 403
    bad = client.get(
        URL,
        params={"since": "2026-12-02", "until": "2026-12-01"},
        headers={"Authorization": f"Bearer {BOOTSTRAP}"},
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"] == "application/problem+json"
