"""The task-runner port and its two implementations, in-process and Celery, and a collector
that holds tasks for a caller to hand on later (after an HTTP response has gone out)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import event
from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.jobs.registry import get_task
from assistant.observability.context import task_context

if TYPE_CHECKING:
    from celery import Celery  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

# A queued task that has not started by then is dropped: the next tick does its work anyway.
DEFAULT_EXPIRES_SECONDS = 3600.0
_PENDING = "assistant.jobs.pending"
_LISTENING = "assistant.jobs.listening"


@runtime_checkable
class TaskRunner(Protocol):
    """Runs a registered task by name with keyword arguments (JSON-serialisable)."""

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Run (or queue) the task."""
        ...


class InProcessRunner:
    """Runs each task at once in this process; errors are logged, not raised to the caller."""

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Run the task now."""
        function = get_task(name)
        try:
            with task_context(name, kwargs):
                function(**kwargs)
        except Exception:
            log.exception("jobs.failed task=%s", name)


class DeferredRunner:
    """Runs each task in-process later: hands it to `defer` (FastAPI's
    `BackgroundTasks.add_task`, so it runs after the response has gone out)."""

    def __init__(self, defer: Callable[..., Any]) -> None:
        self.defer = defer

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Run the task when `defer` says."""
        get_task(name)
        self.defer(InProcessRunner().enqueue, name, **kwargs)


class CeleryRunner:
    """Sends tasks to Celery workers by name, always with an expiry."""

    def __init__(self, app: Celery, *, expires: float = DEFAULT_EXPIRES_SECONDS) -> None:
        self.app = app
        self.expires = expires

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Queue the task on the broker."""
        get_task(name)  # fail here, not on a worker, for a misspelt name
        self.app.send_task(name, kwargs=kwargs, expires=self.expires)


class CollectingRunner:
    """Keeps the tasks it is given, in order, for the caller to hand to a real runner later.

    A route passes it to `enqueue_after_commit`, so it receives only committed work, and
    hands `jobs` on once the response has gone out: nothing runs inside the request."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, dict[str, Any]]] = []

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Keep the task (a misspelt name fails here)."""
        get_task(name)
        self.jobs.append((name, kwargs))


class ThreadRunner:
    """Runs tasks one at a time on its own thread, in the order given: what a long-running web
    process without a broker uses, so a slow task (Slack's pace, the model) never holds a
    request, a connection or the request thread pool. `close` drains what is queued."""

    def __init__(self, *, rest_ratio: float = 1.0) -> None:
        # After a task the thread rests `rest_ratio` times as long as the task ran (at most a
        # second): requests always find the interpreter free at least half of the time.
        self.rest_ratio = rest_ratio
        self._queue: queue.SimpleQueue[tuple[str, dict[str, Any]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="assistant-jobs", daemon=True)
        self._thread.start()

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Queue the task for the thread (a misspelt name fails here)."""
        get_task(name)
        self._queue.put((name, kwargs))

    def pending(self) -> int:
        """Tasks queued and not yet started."""
        return self._queue.qsize()

    def close(self, timeout: float | None = None) -> bool:
        """Run what is queued, then stop; whether the thread finished within `timeout`."""
        self._queue.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _work(self) -> None:
        runner = InProcessRunner()
        while (job := self._queue.get()) is not None:
            started = time.monotonic()
            runner.enqueue(job[0], **job[1])
            time.sleep(min(1.0, (time.monotonic() - started) * self.rest_ratio))


# The runner of a long-running process without a broker (`use_thread_runner`), if any.
_PROCESS_RUNNER: list[ThreadRunner] = []


def use_thread_runner() -> ThreadRunner:
    """From now on this process runs its tasks on one background thread (without a broker):
    for `assistant serve`, where work queued by a request must not run inside it."""
    if not _PROCESS_RUNNER:
        _PROCESS_RUNNER.append(ThreadRunner())
    return _PROCESS_RUNNER[0]


def stop_thread_runner(timeout: float | None = None) -> bool:
    """Drain and stop the process's thread runner (at shutdown); whether it finished."""
    if not _PROCESS_RUNNER:
        return True
    return _PROCESS_RUNNER.pop().close(timeout)


def build_runner(settings: Settings, *, defer: Callable[..., Any] | None = None) -> TaskRunner:
    """Celery when ASSISTANT_BROKER_URL is set; else the process's thread runner when it has
    one (`assistant serve`); else in-process, at once or through `defer` (e.g. after the HTTP
    response) when given."""
    if settings.worker.broker_url:
        from assistant.jobs.celery_app import sending_app

        return CeleryRunner(sending_app(settings))
    if _PROCESS_RUNNER:
        return _PROCESS_RUNNER[0]
    return InProcessRunner() if defer is None else DeferredRunner(defer)


def enqueue_after_commit(session: Session, runner: TaskRunner, name: str, **kwargs: Any) -> None:
    """Queue the task once `session` commits; a rollback drops it."""
    pending: list[tuple[TaskRunner, str, dict[str, Any]]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = []
        session.info[_PENDING] = pending
        if not session.info.get(_LISTENING):
            # Listeners stay for the session's (short) life; they act only on what is pending.
            session.info[_LISTENING] = True
            event.listen(session, "after_commit", _flush_pending)
            event.listen(session, "after_rollback", _drop_pending)
    pending.append((runner, name, kwargs))


def _flush_pending(session: Session) -> None:
    for runner, name, kwargs in session.info.pop(_PENDING, []):
        runner.enqueue(name, **kwargs)


def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
