"""Making keys and reading what the database holds, for the API key tests."""

from __future__ import annotations

from sqlalchemy import Engine, select

from assistant.apikeys import service
from assistant.db import unit_of_work
from assistant.models import ApiKey, Base
from assistant.models.base import utcnow


def make_key(engine: Engine, name: str, scope: str) -> str:
    """A new stored key (the key itself, as its holder would have it)."""
    with unit_of_work(engine) as session:
        return service.create(session, name, scope, actor="test", now=utcnow()).key


def database_dump(engine: Engine) -> str:
    """Every row of every table, as text: what someone with a copy of the database sees."""
    lines = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def stored(engine: Engine, name: str) -> ApiKey:
    """The newest stored key named `name`."""
    with unit_of_work(engine) as session:
        return session.execute(
            select(ApiKey).where(ApiKey.name == name).order_by(ApiKey.id.desc()).limit(1)
        ).scalar_one()
