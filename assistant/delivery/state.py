"""Message and draft transitions, each a conditional UPDATE plus an audit row.

A transition applies only from the states it names, so two workers (or a worker and a
webhook) racing on one row cannot both apply it; the loser sees rowcount 0 and moves on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from assistant.models import AuditEntry, Customer, Draft, DraftState, Message

SYSTEM = "system"
# Draft states from which a draft may still be stopped before anything went out.
UNSENT_DRAFT_STATES = (
    DraftState.GENERATED,
    DraftState.PENDING_REVIEW,
    DraftState.NEEDS_ATTENTION,
    DraftState.APPROVED,
    DraftState.SCHEDULED,
)
# Message state → the draft state it implies, and the draft states it may move from.
DRAFT_FOR_MESSAGE: dict[str, tuple[DraftState, tuple[DraftState, ...]]] = {
    "scheduled": (DraftState.SCHEDULED, (DraftState.APPROVED,)),
    "sent": (DraftState.SENT, (DraftState.APPROVED, DraftState.SCHEDULED)),
    "delivered": (
        DraftState.DELIVERED,
        (DraftState.APPROVED, DraftState.SCHEDULED, DraftState.SENT),
    ),
    "undelivered": (
        DraftState.FAILED,
        (DraftState.APPROVED, DraftState.SCHEDULED, DraftState.SENT),
    ),
    "failed": (DraftState.FAILED, (DraftState.APPROVED, DraftState.SCHEDULED, DraftState.SENT)),
    "cancelled": (DraftState.CANCELLED, UNSENT_DRAFT_STATES),
}


def rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def audit(
    session: Session,
    *,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None,
    to_state: str | None,
    actor: str = SYSTEM,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Add one audit row."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
    if now is not None:
        entry.occurred_at = now
    session.add(entry)


def move_draft(
    session: Session,
    draft_id: int,
    to_state: DraftState,
    from_states: Iterable[str],
    *,
    action: str,
    actor: str = SYSTEM,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Move a draft from one of `from_states` to `to_state`; False when it was elsewhere."""
    allowed = [str(s) for s in from_states]
    before = session.execute(select(Draft.state).where(Draft.id == draft_id)).scalar()
    if before is None or before not in allowed:
        return False
    result = session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.state == before)
        .values(state=str(to_state))
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    audit(
        session,
        entity_type="draft",
        entity_id=draft_id,
        action=action,
        from_state=before,
        to_state=str(to_state),
        actor=actor,
        data=data,
        now=now,
    )
    return True


def follow_message(
    session: Session,
    message: Message,
    *,
    actor: str = SYSTEM,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """Bring the message's draft (if any) to the state its message state implies."""
    if message.draft_id is None or message.status not in DRAFT_FOR_MESSAGE:
        return False
    to_state, from_states = DRAFT_FOR_MESSAGE[message.status]
    details = {"message_id": message.id, **(data or {})}
    return move_draft(
        session,
        message.draft_id,
        to_state,
        from_states,
        action=f"delivery.{message.status}",
        actor=actor,
        data=details,
        now=now,
    )


def cancel_message(
    session: Session,
    message: Message,
    reason: str,
    *,
    now: datetime,
    actor: str = SYSTEM,
    detail: str | None = None,
) -> bool:
    """Cancel a message that has not gone to the provider (status `scheduled`), and its draft."""
    result = session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == "scheduled")
        .values(status="cancelled", error_code=reason, error_message=detail, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    session.refresh(message)
    if message.draft_id is None:
        audit(
            session,
            entity_type="message",
            entity_id=message.id,
            action="delivery.cancelled",
            from_state="scheduled",
            to_state="cancelled",
            actor=actor,
            data={"reason": reason},
            now=now,
        )
    else:
        follow_message(session, message, actor=actor, data={"reason": reason}, now=now)
    return True


def lock_customer(session: Session, customer_id: int, *, wait: bool = True) -> Customer | None:
    """The customer row, locked `FOR NO KEY UPDATE` (None when `wait` is off and another
    transaction holds it). Not `FOR UPDATE`: that would also block the foreign-key checks
    (`FOR KEY SHARE`) of any write to the customer's messages, drafts or conversations."""
    return session.execute(
        select(Customer)
        .where(Customer.id == customer_id)
        .with_for_update(key_share=True, skip_locked=not wait)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
