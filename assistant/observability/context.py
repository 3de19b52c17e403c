"""Context bound to every log line of a request or a task: ids only, never personal data.

Values live in structlog's context variables, so they follow the request or task through
`await`s and into `run_in_threadpool` (which copies the context), and vanish with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import structlog

F = TypeVar("F", bound=Callable[..., Any])

# The ids worth a log field when a task's arguments or a route's path name them.
ID_FIELDS = ("campaign_id", "draft_id", "message_id", "conversation_id", "customer_id")


def ids_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The known id fields among `values` (task kwargs, path parameters), digits as ints."""
    found = {key: values[key] for key in ID_FIELDS if values.get(key) is not None}
    return {
        key: int(value) if isinstance(value, str) and value.isdigit() else value
        for key, value in found.items()
    }


def bind(**values: Any) -> None:
    """Add fields to the current request's or task's log context."""
    structlog.contextvars.bind_contextvars(**values)


def start_request(request_id: str) -> None:
    """A new request: forget anything bound before and bind its id."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Log lines inside carry `values` (ids) as fields."""
    with structlog.contextvars.bound_contextvars(**values):
        yield


@contextmanager
def task_context(name: str, kwargs: Mapping[str, Any]) -> Iterator[None]:
    """Log lines inside carry the task's name and the ids among its arguments."""
    with structlog.contextvars.bound_contextvars(task=name, **ids_of(kwargs)):
        yield


def with_task_context(name: str, function: F) -> F:
    """`function`, run inside `task_context` (for Celery, which calls tasks itself)."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with task_context(name, kwargs):
            return function(*args, **kwargs)

    return run  # type: ignore[return-value]
