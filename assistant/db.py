"""Engine, session factory and the unit of work: the only place that commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant.config import get_settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions lazily and runs DDL outside them; with its own handling
    # off, `_sqlite_begin` starts every transaction explicitly, so DDL (an import's index
    # rebuild, a migration) commits or rolls back with everything else.
    dbapi_connection.isolation_level = None
    # Foreign keys are off by default in SQLite; WAL lets the web service read while an
    # import writes; busy_timeout turns "database is locked" into a short wait.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


WRITES = "assistant_writes"  # connection execution option: this unit of work will write


def _sqlite_begin(connection: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" (SQLITE_BUSY, busy_timeout not consulted) when another writer committed after
    # its first read: its snapshot is stale. BEGIN IMMEDIATE takes the write lock first,
    # waiting up to busy_timeout for it, so concurrent writers queue instead of failing.
    # Readers stay deferred: under WAL they never wait for a writer.
    writes = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    # Every connection works in UTC so naive timestamps in SQL mean UTC on both databases.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()


def build_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`, with the per-dialect settings we rely on.

    `hide_parameters`: a database error's message names the statement but never its bound
    values (phone numbers, message bodies), so logging one leaks nothing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "connect", _postgres_session)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The shared engine for `url` (default: the configured database)."""
    settings = get_settings().database
    return build_engine(url or settings.url, echo=settings.echo)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work(engine: Engine | None = None, *, writes: bool = False) -> Iterator[Session]:
    """One request, job or command: commit once at the end, roll back on any error.

    Services called inside only flush; nothing else commits. `writes=True` for work that
    reads and then writes, where writers may run at the same time (API requests that change
    something, a campaign run's steps): on SQLite it takes the write lock at the start
    (BEGIN IMMEDIATE), so a concurrent writer waits its turn (busy_timeout) instead of
    failing with "database is locked". Chosen over retrying the unit of work: the work
    inside a `with` block cannot be replayed safely (it may have called out), while waiting
    for the lock costs only the wait. PostgreSQL ignores it (row locks do this job there).
    """
    session = session_factory(engine)()
    try:
        if writes:
            session.connection(execution_options={WRITES: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def redacted_url(url: str) -> str:
    """The database URL with any password hidden, safe for printing."""
    return make_url(url).render_as_string(hide_password=True)


def upsert_insert(session: Session, entity: Any) -> Any:
    """An INSERT for `entity` in the session's dialect, so that `.on_conflict_do_nothing()`
    (and `.on_conflict_do_update()`) are available: PostgreSQL's or SQLite's."""
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(entity)
