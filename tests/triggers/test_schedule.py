"""The daily run happens once per brand-local day whatever the number of ticks, and
`triggers.evaluate` touches only the customers it is given."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.jobs.registry import TICK_TASK, get_task
from assistant.jobs.runners import CollectingRunner
from assistant.models import CustomerMetrics, TriggerRun
from assistant.triggers.hooks import evaluate_after_commit
from assistant.triggers.tasks import DAILY_TASK, EVALUATE_TASK, daily_due
from tests.triggers.helpers import ids, queued


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_END", "00:00")
    monkeypatch.setenv("ASSISTANT_SMS_LEGAL_WINDOWS", "false")
    monkeypatch.setenv("ASSISTANT_TRIGGERS_HOUR", "0")
    get_settings.cache_clear()


def _runs(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.execute(select(func.count()).select_from(TriggerRun)).scalar_one())


def test_two_ticks_run_the_triggers_once_that_day(store: Engine) -> None:
    tick = get_task(TICK_TASK)
    assert tick()["triggers"] == "queued"  # in-process: the daily run ran inside the tick
    assert tick()["triggers"] == "done"
    assert _runs(store) == 1


def test_the_daily_task_twice_for_one_day_runs_once(store: Engine) -> None:
    daily = get_task(DAILY_TASK)
    first = daily(as_of="2026-11-20", now="2026-11-20T15:00:00+00:00")
    assert first["queued"] == 10
    assert daily(as_of="2026-11-20", now="2026-11-20T16:00:00+00:00") == {
        "skipped": "already ran for 2026-11-20"
    }
    assert _runs(store) == 1
    with unit_of_work(store) as session:
        run = session.execute(select(TriggerRun)).scalar_one()
        assert run.summary["queued"] == 10 and run.finished_at is not None


def test_before_the_hour_nothing_is_due(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TRIGGERS_HOUR", "9")
    get_settings.cache_clear()
    early = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert daily_due(get_settings(), early) == "not_yet"
    monkeypatch.setenv("ASSISTANT_TRIGGERS_DAILY", "false")
    get_settings.cache_clear()
    assert daily_due(get_settings(), early) == "off"
    assert _runs(engine) == 0


def test_evaluate_touches_only_the_customers_given(store: Engine) -> None:
    evaluate = get_task(EVALUATE_TASK)
    customer = ids(store)["C15"]
    report = evaluate(customer_ids=[customer], as_of="2026-11-20")
    assert report["queued"] == 1
    assert queued(store) == {"C15"}  # not C24's check-in, nor anybody's milestone
    assert evaluate(customer_ids=[customer], as_of="2026-11-20")["queued"] == 0


def test_the_import_hook_queues_evaluation_after_commit_in_chunks(store: Engine) -> None:
    runner = CollectingRunner()
    with unit_of_work(store) as session:
        assert evaluate_after_commit(session, runner, [3, 1, 2, 1], chunk=2) == 2
        assert runner.jobs == []  # nothing before the commit
    assert runner.jobs == [
        (EVALUATE_TASK, {"customer_ids": [1, 2]}),
        (EVALUATE_TASK, {"customer_ids": [3]}),
    ]


def test_the_daily_run_brings_customer_metrics_up_to_its_day_first(store: Engine) -> None:
    # Milestones and lapsed best customers are read from customer_metrics, which nothing
    # else refreshes by itself.
    get_task(DAILY_TASK)(as_of="2026-11-21", now="2026-11-21T15:00:00+00:00")
    with unit_of_work(store) as session:
        days = set(session.execute(select(CustomerMetrics.as_of)).scalars())
    assert days == {date(2026, 11, 21)}
