"""API key queries; nothing here commits (the unit of work does)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from assistant.models import ApiKey


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The key (in use or revoked) whose public prefix is `prefix`."""
    return session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalar_one_or_none()


def by_id(session: Session, key_id: int) -> ApiKey | None:
    """The key with id `key_id`."""
    return session.get(ApiKey, key_id)


def active_by_name(session: Session, name: str) -> ApiKey | None:
    """The key in use named `name` (names are unique among keys in use)."""
    return session.execute(
        select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))
    ).scalar_one_or_none()


def revoked_by_name(session: Session, name: str) -> list[ApiKey]:
    """Revoked keys once named `name`, newest first."""
    return list(
        session.execute(
            select(ApiKey)
            .where(ApiKey.name == name, ApiKey.revoked_at.is_not(None))
            .order_by(ApiKey.id.desc())
        ).scalars()
    )


def page(session: Session, *, limit: int, before: int | None = None) -> list[ApiKey]:
    """Up to `limit` keys, newest first, with ids below `before` when given."""
    statement = select(ApiKey).order_by(ApiKey.id.desc()).limit(limit)
    if before is not None:
        statement = statement.where(ApiKey.id < before)
    return list(session.execute(statement).scalars())


def touch(session: Session, key_id: int, now: datetime, every: timedelta) -> bool:
    """Set `last_used_at` to `now` unless it was set less than `every` ago (True: written).

    One conditional UPDATE, so concurrent requests with the same key write at most once."""
    result = session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - every),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) > 0
