"""Shared fixtures: a migrated database per test on SQLite and, when reachable, PostgreSQL.

PostgreSQL tests use a fresh schema per test in the database named by
ASSISTANT_TEST_POSTGRES_URL. When it is unreachable they are skipped, unless
ASSISTANT_TEST_REQUIRE_POSTGRES=1 (CI sets it), where they fail instead.

Running Alembic for every test was most of the suite's time, so each test process migrates
once per database kind and reuses the result (`migrate_like_alembic`): on SQLite a copy of a
migrated template file, on PostgreSQL a replay of the statements the real upgrade of a
template schema executed. tests/test_fixture_schema.py checks both give exactly the schema
Alembic builds; tests/test_migrations.py still runs the real migrations.

Everything is per process, so `pytest -n auto` (pytest-xdist) workers never share a schema,
a file, a port or a Redis database.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from assistant import migrate
from assistant.config import get_settings
from assistant.db import build_engine, get_engine
from assistant.observability.logging import OUR_LOGGERS, QUIET_AT_DEBUG, WARNINGS_ONLY
from tests.threadcheck import describe, wait_for_blocking_threads

POSTGRES_URL = os.environ.get(
    "ASSISTANT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ASSISTANT_TEST_REQUIRE_POSTGRES") == "1"


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "not available"
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _PROBLEM:
        _PROBLEM.append(_postgres_problem())
    return _PROBLEM[0]


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """A test that sets up the service's logging (JSON lines at INFO, as `serve` and `worker`
    do) must not leave it to the next test in its process: a later CLI test would then print
    INFO lines before its one-line error. Levels and our loggers' handlers come back as they
    were; a root handler of ours added by the test goes (pytest's own are left to pytest)."""
    names = ("", *OUR_LOGGERS, *QUIET_AT_DEBUG, *WARNINGS_ONLY)
    levels = {name: logging.getLogger(name).level for name in names}
    ours = {name: list(logging.getLogger(name).handlers) for name in OUR_LOGGERS}
    root_before = list(logging.getLogger().handlers)
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler not in root_before and type(handler).__module__.startswith("assistant."):
            root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for name, handlers in ours.items():
        logging.getLogger(name).handlers[:] = handlers


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from default settings with its own SQLite file, never ./assistant.db."""
    for name in list(os.environ):
        if name.startswith(
            ("ASSISTANT_", "OPENAI_", "SLACK_", "TWILIO_", "SHOPIFY_")
        ) and not name.startswith("ASSISTANT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    # Send-time learning (on by default) would move a marketing message to the customer's
    # best hour; the tests written before it expect "as soon as allowed". Its own tests
    # (tests/delivery/test_send_time*.py) turn it on.
    monkeypatch.setenv("ASSISTANT_SEND_TIME", "off")
    # No holdout by default: most tests count the drafts of named customers, and a 10 %
    # holdout would take some of them away. Tests of holdouts set the percent they test
    # (tests/test_quickstart.py removes this to run with the product default).
    monkeypatch.setenv("ASSISTANT_HOLDOUT_PERCENT", "0")
    # Marketing email needs the brand's postal address (CAN-SPAM) once SMTP is on; tests
    # that configure SMTP get one. Its own tests remove it.
    monkeypatch.setenv(
        "ASSISTANT_BRAND_POSTAL_ADDRESS", "Ember & Oak, 12 Market St, Portland, OR 97201"
    )
    monkeypatch.chdir(tmp_path)  # a stray .env in the repo must not leak into tests
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()


@contextmanager
def fresh_postgres_schema(prefix: str) -> Iterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards.

    Skips when PostgreSQL is unreachable, or fails when ASSISTANT_TEST_REQUIRE_POSTGRES=1.
    """
    problem = postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test."""
    with fresh_postgres_schema("t") as url:
        yield url


class _Templates:
    """This process's migrated templates: a SQLite file and PostgreSQL's upgrade statements."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.sqlite_file: Path | None = None
        self.postgres_script: list[tuple[str, Any]] | None = None

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    def sqlite(self) -> Path:
        if self.sqlite_file is None:
            self.folder = Path(tempfile.mkdtemp(prefix="assistant-templates-"))
            path = self.folder / "template.db"
            engine = build_engine(f"sqlite:///{path}")
            migrate.upgrade(engine)
            with engine.begin() as connection:  # everything into the main file
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            self.sqlite_file = path
        return self.sqlite_file

    def postgres(self) -> list[tuple[str, Any]]:
        if self.postgres_script is None:
            with fresh_postgres_schema("tmpl") as url:
                engine = build_engine(url)
                script: list[tuple[str, Any]] = []

                def record(
                    conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any
                ) -> None:
                    if not statement.lstrip().upper().startswith(("SELECT", "SHOW", "SET ")):
                        script.append((statement, parameters))

                event.listen(engine, "before_cursor_execute", record)
                try:
                    migrate.upgrade(engine)
                finally:
                    event.remove(engine, "before_cursor_execute", record)
                    engine.dispose()
            self.postgres_script = script
        return self.postgres_script


_TEMPLATES = _Templates()


LINGER_GRACE_SECONDS = 10.0
_WORKER_LINGER: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist, on the controller: collect what a worker found lingering."""
    lines = getattr(node, "workeroutput", {}).get("lingering_threads")
    if lines:
        _WORKER_LINGER.extend([f"[{node.gateway.id}] {line}" for line in lines])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Clean up this process's templates, and fail the run if threads would keep it (or an
    xdist worker) alive after the summary: a fake server, pool or client some fixture did
    not stop."""
    _TEMPLATES.close()
    lines = describe(wait_for_blocking_threads(LINGER_GRACE_SECONDS))
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports and fails
        workeroutput["lingering_threads"] = lines
        return
    lines += _WORKER_LINGER
    if not lines:
        return
    message = "\n".join(
        ["threads still running at the end of the session (stop them in their fixture):", *lines]
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True)
    else:
        print(message, file=sys.stderr)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def migrate_like_alembic(engine: Engine) -> None:
    """Bring an empty database to head, as `migrate.upgrade` would, without running Alembic."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database and database != ":memory:", "a file database is needed"
        engine.dispose()
        shutil.copyfile(_TEMPLATES.sqlite(), database)
        return
    script = _TEMPLATES.postgres()
    with engine.begin() as connection:
        for statement, parameters in script:
            connection.exec_driver_sql(statement, parameters)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind (not migrated)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A migrated database of each kind, also made the configured one for the CLI."""
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", database_url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    engine = build_engine(database_url)
    migrate_like_alembic(engine)
    yield engine
    engine.dispose()
    get_engine.cache_clear()
