"""Writing and reading the audit log: one row per transition or decision, with its actor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import AuditEntry
from assistant.models.base import utcnow


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int,
    from_state: str | None = None,
    to_state: str | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add one audit row (flushed, not committed: the unit of work commits it)."""
    entry = AuditEntry(
        occurred_at=at or utcnow(),
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        from_state=from_state,
        to_state=to_state,
        data=dict(data or {}),
    )
    session.add(entry)
    session.flush()
    return entry


def history(session: Session, entity_type: str, entity_id: int) -> list[AuditEntry]:
    """An entity's audit rows, oldest first."""
    return list(
        session.execute(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.occurred_at, AuditEntry.id)
        ).scalars()
    )


def latest(session: Session, entity_type: str, entity_id: int, action: str) -> AuditEntry | None:
    """The entity's most recent row of `action`, if any."""
    return session.execute(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == entity_type,
            AuditEntry.entity_id == entity_id,
            AuditEntry.action == action,
        )
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).scalar_one_or_none()
