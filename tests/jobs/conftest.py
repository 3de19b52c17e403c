"""Redis for the Celery tests: skipped when unreachable, unless ASSISTANT_TEST_REQUIRE_REDIS=1
(CI sets it), which makes them fail instead — as tests/conftest.py does for PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("ASSISTANT_TEST_REQUIRE_REDIS") == "1"

_PROBLEM: list[str | None] = []


def redis_problem() -> str | None:
    if not _PROBLEM:
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
            client.ping()
            client.close()
            _PROBLEM.append(None)
        except Exception as exc:  # any failure to connect means "not available"
            _PROBLEM.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    return _PROBLEM[0]


@pytest.fixture
def redis_url() -> str:
    """The broker URL of a reachable Redis."""
    problem = redis_problem()
    if problem:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}: {problem}")
        pytest.skip(f"Redis unreachable: {problem}")
    return REDIS_URL


@pytest.fixture
def queue_name() -> str:
    """A queue of this test's own, so runs sharing one Redis never take each other's tasks."""
    return f"assistant-test-{uuid.uuid4().hex[:12]}"
