"""The task-runner port and its two implementations: in-process and Celery."""

from __future__ import annotations

import logging
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


class CeleryRunner:
    """Sends tasks to Celery workers by name, always with an expiry."""

    def __init__(self, app: Celery, *, expires: float = DEFAULT_EXPIRES_SECONDS) -> None:
        self.app = app
        self.expires = expires

    def enqueue(self, name: str, /, **kwargs: Any) -> None:
        """Queue the task on the broker."""
        get_task(name)  # fail here, not on a worker, for a misspelt name
        self.app.send_task(name, kwargs=kwargs, expires=self.expires)


def build_runner(settings: Settings) -> TaskRunner:
    """Celery when ASSISTANT_BROKER_URL is set, else in-process."""
    if settings.worker.broker_url:
        from assistant.jobs.celery_app import create_celery

        return CeleryRunner(create_celery(settings))
    return InProcessRunner()


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
