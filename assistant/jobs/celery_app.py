"""The Celery app: every registered task, and a beat schedule that runs the sender tick.

Built from settings by `create_celery` (never at import time). Tasks are acknowledged after
they finish (a worker killed mid-task leaves it to be redelivered), one at a time per
process; every task is idempotent, so a redelivery or an overlapping tick is harmless.
"""

from __future__ import annotations

import threading
from functools import cache

from celery import Celery  # type: ignore[import-untyped]  # celery ships no type hints

from assistant.config import Settings
from assistant.jobs.registry import TICK_TASK, TaskFunction, load_tasks
from assistant.observability.context import with_task_context

# Apps that send tasks, one per (broker, queue, tick) in this process: building one for each
# enqueue built the app and opened a broker connection per webhook (a tenth of a web
# process's time at 120 requests/s).
_SENDERS: dict[tuple[str, str, float], Celery] = {}
_SENDERS_LOCK = threading.Lock()


def sending_app(settings: Settings) -> Celery:
    """This process's Celery app for sending tasks with `settings`, built once."""
    worker = settings.worker
    key = (worker.broker_url or "", worker.queue, worker.tick_seconds)
    with _SENDERS_LOCK:
        app = _SENDERS.get(key)
        if app is None:
            app = _SENDERS[key] = create_celery(settings)
    return app


def create_celery(settings: Settings) -> Celery:
    """A Celery app on ASSISTANT_BROKER_URL with the tasks and the periodic tick."""
    broker = settings.worker.broker_url
    if not broker:
        raise ValueError("ASSISTANT_BROKER_URL is not set: background work runs in-process")
    tick = settings.worker.tick_seconds
    app = Celery("assistant", broker=broker, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.worker.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule={
            TICK_TASK: {"task": TICK_TASK, "schedule": tick, "options": {"expires": tick}}
        },
    )
    for name, function in load_tasks().items():
        # Each run's log lines carry the task's name and the ids among its arguments.
        app.task(name=name)(_traced(name, function))
    return app


@cache
def _traced(name: str, function: TaskFunction) -> TaskFunction:
    """The task run inside its log context; one wrapper per task, however many apps."""
    return with_task_context(name, function)
