"""Draft reads for review and the one conditional transition every decision goes through.

Exactly-once rests on `transition`: a single UPDATE that only matches the draft while it is
still in an expected state at the version the decider read, and bumps the version. Two
deciders can both read version 3; only one UPDATE matches, the other changes nothing.
`lock_draft` makes the loser wait for the winner's commit and then read its decision, so it
can be told who decided (and on SQLite it avoids a stale read snapshot: see there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, text, update
from sqlalchemy.orm import Session

from assistant.models import Draft, DraftState, Product

PENDING_REVIEW = DraftState.PENDING_REVIEW.value
NEEDS_ATTENTION = DraftState.NEEDS_ATTENTION.value
REVIEWABLE: tuple[str, ...] = (PENDING_REVIEW, NEEDS_ATTENTION)
# A regeneration older than this is taken for dead (its worker crashed): decisions resume.
REGENERATION_TIMEOUT = timedelta(minutes=10)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def write_lock(session: Session) -> None:
    """On SQLite, take the database write lock now (PostgreSQL locks rows as it goes).

    SQLite has no row locks, and a transaction that read first and writes later fails with
    "database is locked" when another connection committed in between. A write as the first
    statement waits (busy_timeout) for the other writer instead and then reads current data.
    Call it before the first read of the unit of work.
    """
    if _is_sqlite(session):
        session.execute(text("UPDATE drafts SET version = version WHERE id = 0"))


def lock_draft(session: Session, draft_id: int) -> Draft | None:
    """The draft, freshly read and locked against other deciders until the unit of work ends."""
    statement = select(Draft).where(Draft.id == draft_id)
    if _is_sqlite(session):
        write_lock(session)
    else:
        statement = statement.with_for_update()
    return session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()


def regeneration_idle(now: datetime) -> ColumnElement[bool]:
    """No regeneration running (or only one that has timed out)."""
    return or_(Draft.regenerating_at.is_(None), Draft.regenerating_at < now - REGENERATION_TIMEOUT)


def regenerating(draft: Draft, now: datetime) -> bool:
    """Whether a (live) regeneration of `draft` is running."""
    started = draft.regenerating_at
    return started is not None and started >= now - REGENERATION_TIMEOUT


def transition(
    session: Session,
    draft_id: int,
    *,
    from_states: Iterable[str],
    version: int,
    values: Mapping[str, Any],
    now: datetime,
    require_idle: bool = True,
) -> bool:
    """Apply `values` (and version + 1) only if the draft is still in `from_states` at
    `version` (and, with `require_idle`, not being regenerated). Whether it applied."""
    conditions = [
        Draft.id == draft_id,
        Draft.state.in_(list(from_states)),
        Draft.version == version,
    ]
    if require_idle:
        conditions.append(regeneration_idle(now))
    result = session.execute(
        update(Draft)
        .where(*conditions)
        .values(version=Draft.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def clear_regenerating(session: Session, draft_id: int, version: int, now: datetime) -> bool:
    """End a regeneration that wrote nothing (failed or discarded), if the draft is unchanged."""
    result = session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.version == version, Draft.regenerating_at.is_not(None))
        .values(regenerating_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def reload(session: Session, draft_id: int) -> Draft | None:
    """The draft as the database has it now (after a Core UPDATE the session's copy is stale)."""
    return session.execute(
        select(Draft).where(Draft.id == draft_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def catalog_names(session: Session) -> list[str]:
    """The store's product names (a catalogue product absent from the facts is invented)."""
    return [name for name in session.execute(select(Product.name).distinct()).scalars() if name]
