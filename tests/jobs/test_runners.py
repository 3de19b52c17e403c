"""The task registry, the in-process runner, and queuing work only after a commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.jobs.registry import TICK_TASK, UnknownTask, get_task, load_tasks, task
from assistant.jobs.runners import (
    CeleryRunner,
    DeferredRunner,
    InProcessRunner,
    build_runner,
    enqueue_after_commit,
)
from assistant.models import DraftState
from tests.delivery.factories import add_customer, add_draft


class Recorder:
    """A runner that only records what it was asked to run."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        self.calls.append((name, kwargs))


def test_delivery_tasks_are_registered() -> None:
    tasks = load_tasks()
    expected = {
        TICK_TASK,
        "delivery.tick",
        "delivery.schedule_draft",
        "delivery.send_message",
        "campaigns.draft",
        "review.post_unposted",
    }
    assert expected <= set(tasks)
    with pytest.raises(UnknownTask, match=r"delivery\.tick"):
        get_task("delivery.nope")


def test_a_name_cannot_be_registered_twice() -> None:
    @task("tests.once")
    def first() -> None: ...

    with pytest.raises(ValueError, match="twice"):

        @task("tests.once")
        def second() -> None: ...


def test_work_is_queued_only_after_the_commit(engine: Engine) -> None:
    runner = Recorder()
    with unit_of_work(engine) as session:
        enqueue_after_commit(session, runner, "delivery.schedule_draft", draft_id=1)
        assert runner.calls == []
    assert runner.calls == [("delivery.schedule_draft", {"draft_id": 1})]
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        enqueue_after_commit(session, runner, "delivery.schedule_draft", draft_id=2)
        raise RuntimeError("rolled back")
    assert runner.calls == [("delivery.schedule_draft", {"draft_id": 1})]


def test_in_process_runner_schedules_and_sends_after_approval(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("ASSISTANT_QUIET_HOURS_END", "00:00")
    monkeypatch.setenv("ASSISTANT_SMS_LEGAL_WINDOWS", "false")
    get_settings.cache_clear()
    runner = build_runner(get_settings())
    assert isinstance(runner, InProcessRunner)
    with unit_of_work(engine) as session:
        draft = add_draft(session, add_customer(session), state=DraftState.PENDING_REVIEW)
        draft.state = DraftState.APPROVED  # as a reviewer's decision would, in the same work
        enqueue_after_commit(session, runner, "delivery.schedule_draft", draft_id=draft.id)
    runner.enqueue(TICK_TASK)
    lines = (tmp_path / "outbox" / "sms.jsonl").read_text().splitlines()
    assert len(lines) == 1 and f'"draft:{draft.id}"' in lines[0]


_DEFERRED_RAN: list[int] = []


@task("tests.deferred")
def _remember(value: int) -> None:
    _DEFERRED_RAN.append(value)


def test_a_deferred_runner_runs_the_task_when_told(engine: Engine) -> None:
    deferred: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    ran = _DEFERRED_RAN
    ran.clear()

    def defer(function: Any, *args: Any, **kwargs: Any) -> None:
        deferred.append((function, args, kwargs))

    runner = build_runner(get_settings(), defer=defer)
    assert isinstance(runner, DeferredRunner)
    with unit_of_work(engine) as session:
        enqueue_after_commit(session, runner, "tests.deferred", value=7)
    assert ran == [] and len(deferred) == 1  # queued after the commit, not run yet
    function, args, kwargs = deferred[0]
    function(*args, **kwargs)  # as FastAPI does after the response
    assert ran == [7]


def test_in_process_runner_logs_task_errors(caplog: pytest.LogCaptureFixture) -> None:
    @task("tests.boom")
    def boom() -> None:
        raise RuntimeError("boom")

    InProcessRunner().enqueue("tests.boom")
    assert "jobs.failed task=tests.boom" in caplog.text


def test_celery_runner_is_chosen_by_the_broker_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_BROKER_URL", "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    runner = build_runner(get_settings())
    assert isinstance(runner, CeleryRunner)
    assert runner.app.conf.task_default_queue == "assistant"
    assert TICK_TASK in runner.app.tasks
    schedule = runner.app.conf.beat_schedule[TICK_TASK]
    assert schedule["schedule"] == 30.0 and schedule["options"]["expires"] == 30.0
    with pytest.raises(UnknownTask):
        runner.enqueue("delivery.nope")
