"""The Celery app: every registered task, and a beat schedule that runs the sender tick.

Built from settings by `create_celery` (never at import time). Tasks are acknowledged after
they finish (a worker killed mid-task leaves it to be redelivered), one at a time per
process; every task is idempotent, so a redelivery or an overlapping tick is harmless.
"""

from __future__ import annotations

from celery import Celery  # type: ignore[import-untyped]  # celery ships no type hints

from assistant.config import Settings
from assistant.jobs.registry import TICK_TASK, load_tasks


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
        app.task(name=name)(function)
    return app
