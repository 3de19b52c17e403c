"""One holder at a time across processes and machines: a PostgreSQL advisory lock.

`exclusive(engine, name)` tries (never waits) to take a session-level advisory lock keyed by
`name` and the connection's schema, on a connection of its own, and releases it at the end.
A process that dies holding it loses its connection and with it the lock. On SQLite (one
process by design) it is always granted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

_KEY = "hashtextextended(:name || '@' || current_schema(), 0)"


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True when this caller holds the lock `name`, False when another one does."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        held = bool(
            connection.execute(
                text(f"SELECT pg_try_advisory_lock({_KEY})"), {"name": name}
            ).scalar()
        )
        connection.commit()  # the lock is the session's: no transaction stays open
        try:
            yield held
        finally:
            if held:
                connection.execute(text(f"SELECT pg_advisory_unlock({_KEY})"), {"name": name})
                connection.commit()
