"""The production setup, broken on purpose: PostgreSQL, a private Redis, real worker processes.

Every test gets a fresh PostgreSQL schema (skipped when PostgreSQL is unreachable, unless
ASSISTANT_TEST_REQUIRE_POSTGRES=1), a `redis-server` of its own on a free port (skipped when
the binary is missing, unless ASSISTANT_TEST_REQUIRE_REDIS=1), so it can kill and restart
it, and `assistant worker` processes started in their own process group: a kill is
`SIGKILL` to the group (the worker and the beat process it forks), and teardown kills every
group still alive. Worker connections carry their own `application_name`, so a test can drop
exactly those connections.

Nothing here measures time: waits poll the database or a fake server until a condition
holds, with generous bounds that only turn a hang into a failure with the worker's log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from assistant.config import get_settings
from assistant.db import build_engine, get_engine
from tests.conftest import fresh_postgres_schema, migrate_like_alembic
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioServer

ASSISTANT = Path(sys.executable).parent / "assistant"
REDIS_SERVER = shutil.which("redis-server")
REQUIRE_REDIS = os.environ.get("ASSISTANT_TEST_REQUIRE_REDIS") == "1"
PUBLIC = "https://assistant.example.com"
FROM = "+15005550006"
# A bound on every wait: far beyond what any step needs, even on a loaded machine.
PATIENCE = 120.0


def wait_until(
    condition: Callable[[], bool], what: str, *, timeout: float = PATIENCE, log: Path | None = None
) -> None:
    """Poll `condition` until it holds; fail naming `what` (and the log's tail) if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            pytest.fail(f"{what}: not within {timeout:.0f} s\n{tail}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Database:
    """A migrated PostgreSQL schema: `url` for workers (their own application_name), `engine`
    for the test's own reads and writes."""

    url: str
    engine: Engine
    application_name: str

    def drop_worker_connections(self) -> int:
        """Terminate every connection the workers hold (not the test's); how many."""
        with self.engine.begin() as connection:
            dropped = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.application_name},
            ).scalar_one()
        return int(dropped)

    def drop_worker_connections_mid_transaction(self, done: Callable[[], bool]) -> int:
        """Lock every customer, wait until a worker transaction waits on one of those locks,
        then terminate the workers' connections: a drop in the middle of a transaction.
        Nothing is dropped (0) when `done()` holds first (no work left to block)."""
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = :name AND wait_event_type = 'Lock'"
        )
        with self.engine.connect() as holder, holder.begin():
            holder.execute(text("SELECT id FROM customers FOR UPDATE"))

            def blocked() -> bool:
                with self.engine.connect() as probe:
                    found = probe.execute(waiting, {"name": self.application_name})
                    return int(found.scalar_one()) > 0

            wait_until(
                lambda: blocked() or done(), "a worker transaction waiting on a customer's lock"
            )
            return self.drop_worker_connections() if blocked() else 0


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL schema, also the configured database of this process."""
    with fresh_postgres_schema("f") as base:
        name = f"faults_{uuid.uuid4().hex[:12]}"
        worker_url = make_url(base).update_query_dict({"application_name": name})
        own_url = make_url(base).update_query_dict({"application_name": f"{name}_test"})
        engine = build_engine(own_url.render_as_string(hide_password=False))
        migrate_like_alembic(engine)
        monkeypatch.setenv("ASSISTANT_DATABASE_URL", own_url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            yield Database(worker_url.render_as_string(hide_password=False), engine, name)
        finally:
            engine.dispose()
            get_engine.cache_clear()


class PrivateRedis:
    """A `redis-server` of the test's own, to kill and restart on the same port."""

    def __init__(self, folder: Path, *, appendonly: bool) -> None:
        assert REDIS_SERVER is not None
        self.folder = folder
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"]
        if not self.appendonly:
            persistence = ["--appendonly", "no"]
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *persistence,
                *("--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, "redis-server started", log=self.folder / "redis.log")
        return self

    def answers(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.exceptions.RedisError:
            return False
        finally:
            client.close()

    def queue_length(self, queue: str) -> int:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            return int(client.llen(queue))
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: whatever it had not written to disk is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()


def _redis(tmp_path: Path, appendonly: bool) -> Iterator[PrivateRedis]:
    if REDIS_SERVER is None:
        if REQUIRE_REDIS:
            pytest.fail("Redis is required but redis-server is not installed")
        pytest.skip("redis-server is not installed")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(folder, appendonly=appendonly).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis as the guide's minimum setup leaves it: no persistence at all."""
    yield from _redis(tmp_path, appendonly=False)


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis with the append-only file, fsynced on every write."""
    yield from _redis(tmp_path, appendonly=True)


@dataclass
class Workers:
    """`assistant worker` processes; each in its own process group, killed as a group."""

    folder: Path
    env: dict[str, str]
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = self.folder / f"worker-{len(self.started)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(ASSISTANT), "worker", "--loglevel=INFO", *args],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )
        self.started.append(process)
        self.logs.append(log)
        return process

    @property
    def log(self) -> Path:
        """The newest worker's log."""
        return self.logs[-1]

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9 the worker and everything it forked (the embedded beat)."""
        if process.returncode is None:  # not reaped yet, so its group id is still ours
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_all(self) -> None:
        for process in self.started:
            self.kill(process)


@pytest.fixture
def workers(database: Database, redis_server: PrivateRedis, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes on the test's database and private Redis (started by the test)."""
    crew = Workers(tmp_path, worker_env(database, redis_server))
    try:
        yield crew
    finally:
        crew.kill_all()


def worker_env(database: Database, redis: PrivateRedis, **extra: str) -> dict[str, str]:
    """The environment of a worker process: this test's database and broker, a fast tick, a
    short sender lease (a killed worker's claims expire quickly), sending at any hour."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ASSISTANT_", "OPENAI_", "SLACK_", "TWILIO_"))
    }
    return {
        **inherited,
        "ASSISTANT_DATABASE_URL": database.url,
        "ASSISTANT_BROKER_URL": redis.url,
        "ASSISTANT_WORKER_QUEUE": "assistant",
        "ASSISTANT_WORKER_TICK_SECONDS": "0.3",
        "ASSISTANT_SENDER_LEASE_SECONDS": "2",
        "ASSISTANT_SENDER_BATCH": "4",
        "ASSISTANT_QUIET_HOURS_START": "00:00",
        "ASSISTANT_QUIET_HOURS_END": "00:00",
        "ASSISTANT_SMS_LEGAL_WINDOWS": "false",
        "ASSISTANT_PUBLIC_URL": PUBLIC,
        **extra,
    }


def twilio_env(server: FakeTwilioServer) -> dict[str, str]:
    """Settings that send SMS through the real twilio client to `server`."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_URL": server.base_url,
    }
