"""CI's promise: with ASSISTANT_TEST_REQUIRE_POSTGRES=1 (and _REDIS=1, _BROWSER=1) a missing
PostgreSQL (or Redis, or browser) fails, not skips; without them it skips.

Each case runs pytest in a subprocess; the three services are checked together, once
required and once not, so the guard costs two interpreter start-ups rather than six.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
A_POSTGRES_TEST = (
    "tests/test_migrations.py::test_upgrade_matches_models_and_downgrade_removes_everything"
)
A_REDIS_TEST = (
    "tests/jobs/test_celery_worker.py::"
    "test_tasks_enqueued_through_the_celery_runner_run_on_the_worker"
)
A_BROWSER_TEST = "tests/reports/test_page_browser.py"
# Nothing listens on port 1: the services are unreachable; the browser does not exist.
UNREACHABLE = {
    "ASSISTANT_TEST_POSTGRES_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    "ASSISTANT_TEST_REDIS_URL": "redis://127.0.0.1:1/0",
    "ASSISTANT_TEST_CHROMIUM": "/nonexistent/chromium",
}
REQUIRE = (
    "ASSISTANT_TEST_REQUIRE_POSTGRES",
    "ASSISTANT_TEST_REQUIRE_REDIS",
    "ASSISTANT_TEST_REQUIRE_BROWSER",
)


def _run(required: bool) -> subprocess.CompletedProcess[str]:
    flags = {name: "1" if required else "0" for name in REQUIRE}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            A_POSTGRES_TEST,
            A_REDIS_TEST,
            A_BROWSER_TEST,
        ],
        cwd=ROOT,
        env={**os.environ, **UNREACHABLE, **flags},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def required() -> subprocess.CompletedProcess[str]:
    return _run(required=True)


@pytest.fixture(scope="module")
def optional() -> subprocess.CompletedProcess[str]:
    return _run(required=False)


def test_unreachable_services_fail_when_required(
    required: subprocess.CompletedProcess[str],
) -> None:
    out = required.stdout
    assert required.returncode == 1, out
    assert "PostgreSQL is required but unreachable" in out
    assert "Redis is required but unreachable" in out
    assert "a browser is required (ASSISTANT_TEST_REQUIRE_BROWSER=1)" in out
    # SQLite still runs: only the unreachable services fail.
    assert "1 passed, 4 errors" in out, out


def test_unreachable_services_are_skipped_otherwise(
    optional: subprocess.CompletedProcess[str],
) -> None:
    out = optional.stdout
    assert optional.returncode == 0, out
    assert "PostgreSQL unreachable" in out
    assert "/nonexistent/chromium is missing" in out
    assert "1 passed, 4 skipped" in out, out
