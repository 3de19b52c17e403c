"""Task functions registered by name, so every runner (and Celery) finds the same ones."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

TaskFunction = Callable[..., Any]
F = TypeVar("F", bound=TaskFunction)

# Modules that define tasks; importing them registers their tasks.
TASK_MODULES = (
    "assistant.delivery.tasks",
    "assistant.conversations.tasks",
    "assistant.conversations.email_tasks",
    "assistant.review.tasks",
    "assistant.drafting.tasks",
    "assistant.triggers.tasks",
    "assistant.shopify.tasks",
    "assistant.jobs.periodic",
)
# The periodic task: post unposted review cards, schedule approved drafts, send due messages.
TICK_TASK = "worker.tick"

_TASKS: dict[str, TaskFunction] = {}


class UnknownTask(KeyError):
    """No task of that name is registered."""


def task(name: str) -> Callable[[F], F]:
    """Register the decorated function as the task `name` (`"<domain>.<verb>"`)."""

    def register(function: F) -> F:
        existing = _TASKS.get(name)
        if existing is not None and existing is not function:
            raise ValueError(f"task {name!r} is registered twice")
        _TASKS[name] = function
        return function

    return register


def load_tasks() -> Mapping[str, TaskFunction]:
    """Every task, after importing the modules that define them."""
    for module in TASK_MODULES:
        importlib.import_module(module)
    return MappingProxyType(_TASKS)


def get_task(name: str) -> TaskFunction:
    """The task called `name`."""
    tasks = load_tasks()
    if name not in tasks:
        raise UnknownTask(f"unknown task {name!r}; known: {', '.join(sorted(tasks))}")
    return tasks[name]
