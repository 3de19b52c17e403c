"""Campaign control queries and bulk transitions; nothing here commits (the unit of work does).

Transitions are conditional UPDATEs from the states they name (RETURNING the rows they
moved), so a sender or reviewer racing on a row either wins before the update or is skipped
by it; every moved draft and message gets its audit row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from assistant.drafting import repository as drafting_repo
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft, DraftState, Message
from assistant.review import repository as review_repo

# Draft states a cancel stops: not yet handed to the sender (an approved draft would be).
CANCELLABLE_DRAFTS = (
    DraftState.GENERATED,
    DraftState.PENDING_REVIEW,
    DraftState.NEEDS_ATTENTION,
    DraftState.APPROVED,
)
CHUNK = 1000


def lock(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign, its row locked until the commit (a run's writes wait for it).

    On SQLite the database write lock is taken first (`review_repo.write_lock`)."""
    review_repo.write_lock(session)
    return session.execute(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def page(session: Session, *, limit: int, before: int | None = None) -> tuple[int, list[Campaign]]:
    """(total, one page of campaigns newest first, those with an id below `before` if given)."""
    total = session.execute(select(func.count()).select_from(Campaign)).scalar_one()
    query = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Campaign.id < before)
    return int(total), list(session.execute(query).scalars())


def _counted_by(
    session: Session, campaign: Any, kind: Any, campaign_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Rows per campaign counted by `kind` (a state or status column), names sorted."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    if campaign_ids:
        rows = session.execute(
            select(campaign, kind, func.count())
            .where(campaign.in_(campaign_ids))
            .group_by(campaign, kind)
        ).all()
        for campaign_id, name, number in rows:
            if campaign_id is not None:
                found[campaign_id][name] = number
    return {cid: dict(sorted(found[cid].items())) for cid in campaign_ids}


def draft_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Drafts by state, per campaign."""
    return _counted_by(session, Draft.campaign_id, Draft.state, campaign_ids)


def member_counts(session: Session, campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Members by status, per campaign."""
    return _counted_by(session, CampaignMember.campaign_id, CampaignMember.status, campaign_ids)


def message_counts(session: Session, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The campaign's outbound messages by status, and by the reason they wait or stopped."""
    rows = session.execute(
        select(Message.status, Message.error_code, func.count())
        .join(Draft, Draft.id == Message.draft_id)
        .where(Draft.campaign_id == campaign_id, Message.direction == "outbound")
        .group_by(Message.status, Message.error_code)
    ).all()
    statuses: dict[str, int] = defaultdict(int)
    reasons: dict[str, int] = defaultdict(int)
    for status, code, number in rows:
        statuses[status] += number
        if code:
            reasons[f"{status}: {code}"] += number
    return dict(sorted(statuses.items())), dict(sorted(reasons.items()))


def _campaign_messages(campaign_id: int) -> Any:
    return select(Draft.id).where(Draft.campaign_id == campaign_id)


def _audit(
    session: Session,
    rows: Iterable[tuple[str, int, str | None, str]],
    actor: str,
    action: str,
    **data: Any,
) -> None:
    """Audit rows for moved (entity type, id, from, to)."""
    entries = [
        {
            "actor": actor,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "from_state": before,
            "to_state": after,
            "data": dict(data),
        }
        for entity_type, entity_id, before, after in rows
    ]
    for start in range(0, len(entries), CHUNK):
        session.execute(insert(AuditEntry), entries[start : start + CHUNK])


def log_transition(
    session: Session,
    campaign_id: int,
    actor: str,
    action: str,
    to_state: str,
    from_state: str | None = None,
) -> None:
    """One audit row for the campaign's own transition."""
    _audit(session, [("campaign", campaign_id, from_state, to_state)], actor, action)


def cancel_messages(
    session: Session, campaign_id: int, *, reason: str | None, actor: str, now: datetime
) -> tuple[int, list[int]]:
    """Cancel the campaign's scheduled messages; (how many, their drafts' ids)."""
    moved = session.execute(
        update(Message)
        .where(
            Message.draft_id.in_(_campaign_messages(campaign_id)),
            Message.direction == "outbound",
            Message.status == "scheduled",
        )
        .values(
            status="cancelled",
            error_code="campaign_cancelled",
            error_message=reason,
            updated_at=now,
        )
        .returning(Message.id, Message.draft_id)
        .execution_options(synchronize_session=False)
    ).all()
    _audit(
        session,
        (("message", mid, "scheduled", "cancelled") for mid, _ in moved),
        actor,
        "campaign.cancelled",
        campaign_id=campaign_id,
        reason=reason,
    )
    return len(moved), [draft_id for _, draft_id in moved if draft_id is not None]


def cancel_drafts(
    session: Session,
    campaign_id: int,
    from_states: Sequence[str],
    *,
    reason: str | None,
    actor: str,
    draft_ids: Sequence[int] | None = None,
) -> int:
    """Move the campaign's drafts in `from_states` (optionally only `draft_ids`) to cancelled."""
    cancelled = 0
    for state in from_states:
        query = update(Draft).where(Draft.campaign_id == campaign_id, Draft.state == str(state))
        if draft_ids is not None:
            query = query.where(Draft.id.in_(draft_ids))
        moved = session.execute(
            query.values(state=DraftState.CANCELLED.value, version=Draft.version + 1)
            .returning(Draft.id)
            .execution_options(synchronize_session=False)
        ).scalars()
        ids = list(moved)
        _audit(
            session,
            (("draft", did, str(state), DraftState.CANCELLED.value) for did in ids),
            actor,
            "campaign.cancelled",
            campaign_id=campaign_id,
            reason=reason,
        )
        cancelled += len(ids)
    return cancelled


def skip_pending_members(session: Session, campaign_id: int) -> int:
    """Members not drafted yet are skipped `cancelled`; how many."""
    result = session.execute(
        update(CampaignMember)
        .where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.status.in_((drafting_repo.PENDING, drafting_repo.FAILED)),
        )
        .values(status=drafting_repo.SKIPPED, skip_reason="cancelled")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def hold_messages(session: Session, campaign_id: int, now: datetime) -> int:
    """Mark the campaign's scheduled messages as held by the pause (the sender skips them)."""
    result = session.execute(
        update(Message)
        .where(
            Message.draft_id.in_(_campaign_messages(campaign_id)),
            Message.direction == "outbound",
            Message.status == "scheduled",
        )
        .values(error_code="campaign_paused", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def release_messages(session: Session, campaign_id: int, now: datetime) -> int:
    """The paused campaign's held messages wait no more: each is sent at its scheduled time
    (already past for those the pause held), the rules checked again as always."""
    result = session.execute(
        update(Message)
        .where(
            Message.draft_id.in_(_campaign_messages(campaign_id)),
            Message.direction == "outbound",
            Message.status == "scheduled",
            Message.error_code == "campaign_paused",
        )
        .values(error_code=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def sent_count(session: Session, campaign_id: int) -> int:
    """The campaign's messages that went to the provider (a cancel leaves them)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Message)
            .join(Draft, Draft.id == Message.draft_id)
            .where(
                Draft.campaign_id == campaign_id,
                Message.direction == "outbound",
                Message.status.in_(("sending", "sent", "delivered", "undelivered", "failed")),
            )
        ).scalar_one()
    )
