"""CI's promise: with ASSISTANT_TEST_REQUIRE_POSTGRES=1 (and _REDIS=1) a missing PostgreSQL
(or Redis) fails, not skips."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
A_POSTGRES_TEST = (
    "tests/test_migrations.py::test_upgrade_matches_models_and_downgrade_removes_everything"
)
A_REDIS_TEST = (
    "tests/jobs/test_celery_worker.py::"
    "test_tasks_enqueued_through_the_celery_runner_run_on_the_worker"
)
# Nothing listens on port 1: the service is unreachable.
UNREACHABLE_POSTGRES = {
    "ASSISTANT_TEST_POSTGRES_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
}
UNREACHABLE_REDIS = {"ASSISTANT_TEST_REDIS_URL": "redis://127.0.0.1:1/0"}
A_BROWSER_TEST = "tests/reports/test_page_browser.py"
NO_BROWSER = {"ASSISTANT_TEST_CHROMIUM": "/nonexistent/chromium"}


def _run(test: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unreachable_postgres_fails_when_required() -> None:
    result = _run(A_POSTGRES_TEST, {**UNREACHABLE_POSTGRES, "ASSISTANT_TEST_REQUIRE_POSTGRES": "1"})
    assert result.returncode == 1, result.stdout
    assert "PostgreSQL is required but unreachable" in result.stdout


def test_unreachable_postgres_is_skipped_otherwise() -> None:
    result = _run(A_POSTGRES_TEST, {**UNREACHABLE_POSTGRES, "ASSISTANT_TEST_REQUIRE_POSTGRES": "0"})
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout


def test_unreachable_redis_fails_when_required() -> None:
    result = _run(A_REDIS_TEST, {**UNREACHABLE_REDIS, "ASSISTANT_TEST_REQUIRE_REDIS": "1"})
    assert result.returncode == 1, result.stdout
    assert "Redis is required but unreachable" in result.stdout


def test_unreachable_redis_is_skipped_otherwise() -> None:
    result = _run(A_REDIS_TEST, {**UNREACHABLE_REDIS, "ASSISTANT_TEST_REQUIRE_REDIS": "0"})
    assert result.returncode == 0, result.stdout
    assert "skipped" in result.stdout and "passed" not in result.stdout


def test_a_missing_browser_fails_when_required() -> None:
    result = _run(A_BROWSER_TEST, {**NO_BROWSER, "ASSISTANT_TEST_REQUIRE_BROWSER": "1"})
    assert result.returncode == 1, result.stdout
    assert "a browser is required (ASSISTANT_TEST_REQUIRE_BROWSER=1)" in result.stdout


def test_a_missing_browser_is_skipped_otherwise() -> None:
    result = _run(A_BROWSER_TEST, {**NO_BROWSER, "ASSISTANT_TEST_REQUIRE_BROWSER": "0"})
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout and "/nonexistent/chromium is missing" in result.stdout
