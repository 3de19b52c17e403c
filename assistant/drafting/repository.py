"""Campaign queries and batched writes; nothing here commits (the unit of work does).

Exactly-once rests on two unique keys: one member row per (campaign, customer), and one
draft per `draft_key(campaign, customer)`. Drafts are inserted with ON CONFLICT DO NOTHING
in the same transaction that marks their members drafted, so a crash, a rerun or a second
runner can never store a customer's draft twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from assistant.db import upsert_insert
from assistant.models import AuditEntry, Campaign, CampaignMember, Draft
from assistant.models.base import utcnow
from assistant.models.campaign import HALTED_STATUSES

PENDING, DRAFTED, SKIPPED, FAILED = "pending", "drafted", "skipped", "failed"


def draft_key(campaign_id: int, customer_id: int) -> str:
    """The idempotency key of a campaign's draft for one customer."""
    return f"campaign:{campaign_id}:customer:{customer_id}"


@dataclass(frozen=True)
class PendingMember:
    """A member still to draft."""

    member_id: int
    customer_id: int
    qualifier: Mapping[str, Any]


def insert_members(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """One multi-row INSERT of member rows."""
    if rows:
        session.execute(insert(CampaignMember), list(rows))


def pending_members(
    session: Session, campaign_id: int, after_member: int, limit: int
) -> list[PendingMember]:
    """The next `limit` pending members after member id `after_member`, in id order."""
    rows = session.execute(
        select(CampaignMember.id, CampaignMember.customer_id, CampaignMember.qualifier)
        .where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.status == PENDING,
            CampaignMember.id > after_member,
        )
        .order_by(CampaignMember.id)
        .limit(limit)
    ).all()
    return [PendingMember(r[0], r[1], r[2] or {}) for r in rows]


def set_status(
    session: Session, member_ids: Iterable[int], status: str, reasons: Mapping[int, str] | None
) -> None:
    """Move members to `status`, with a reason per member when given (grouped by reason)."""
    groups: dict[str | None, list[int]] = defaultdict(list)
    for member_id in member_ids:
        groups[(reasons or {}).get(member_id)].append(member_id)
    for reason, ids in groups.items():
        session.execute(
            update(CampaignMember)
            .where(CampaignMember.id.in_(ids))
            .values(status=status, skip_reason=reason)
        )


def reset_failed(session: Session, campaign_id: int) -> int:
    """Failed members become pending again (a rerun retries them); how many."""
    result = session.execute(
        update(CampaignMember)
        .where(CampaignMember.campaign_id == campaign_id, CampaignMember.status == FAILED)
        .values(status=PENDING, skip_reason=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def existing_drafts(session: Session, campaign_id: int, customer_ids: Sequence[int]) -> set[int]:
    """The customers among `customer_ids` who already have this campaign's draft."""
    keys = [draft_key(campaign_id, cid) for cid in customer_ids]
    if not keys:
        return set()
    return set(
        session.execute(select(Draft.customer_id).where(Draft.idempotency_key.in_(keys))).scalars()
    )


def insert_drafts(session: Session, rows: Sequence[Mapping[str, Any]], actor: str) -> int:
    """Insert drafts, skipping any whose key exists; audit each new one. How many were new."""
    if not rows:
        return 0
    statement = (
        upsert_insert(session, Draft)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(Draft.id, Draft.state, Draft.campaign_id)
    )
    # RETURNING yields only the rows actually inserted: a key that exists is left alone.
    created = session.execute(statement, list(rows)).all()
    now = utcnow()
    audit = [
        {
            "occurred_at": now,
            "actor": actor,
            "action": "draft.created",
            "entity_type": "draft",
            "entity_id": draft_id,
            "from_state": None,
            "to_state": state,
            "data": {"campaign_id": campaign_id},
        }
        for draft_id, state, campaign_id in created
    ]
    if audit:
        session.execute(insert(AuditEntry), audit)
    return len(created)


def heartbeat(session: Session, campaign_id: int) -> str | None:
    """The run is alive (see `claim`); the campaign's status as it is now.

    A write, so it goes first in a step's unit of work: the campaign row stays locked until
    the commit (a pause or cancel waits for the step, or the step sees it), and on SQLite a
    transaction that reads first and writes later fails when another writer came between."""
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(updated_at=utcnow()))
    return status_of(session, campaign_id)


def status_of(session: Session, campaign_id: int) -> str | None:
    """The campaign's status."""
    return session.execute(select(Campaign.status).where(Campaign.id == campaign_id)).scalar()


def claim(session: Session, campaign_id: int, stale_before: datetime) -> bool:
    """Mark the campaign running unless another live run holds it (heartbeat after
    `stale_before`) or a person paused or cancelled it. One UPDATE, so two runners cannot
    both win."""
    result = session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            (Campaign.status != "running") | (Campaign.updated_at < stale_before),
            Campaign.status.not_in(HALTED_STATUSES),
        )
        .values(status="running", updated_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def mark_failed(session: Session, campaign_id: int, reason: str) -> bool:
    """A run died before it could record its end: the campaign `failed` with `reason` as its
    last run's error, unless it already ended (or a person paused or cancelled it)."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None or campaign.status not in ("created", "running"):
        return False
    summary = dict(campaign.summary or {})
    summary["last_run"] = {
        **dict(summary.get("last_run") or {}),
        "status": "failed",
        "error": reason,
    }
    campaign.status = "failed"
    campaign.summary = summary
    campaign.updated_at = utcnow()
    return True


@dataclass(frozen=True)
class Counts:
    """Where a campaign's members and drafts stand."""

    members: int
    pending: int
    drafted: int
    skipped: dict[str, int]
    failed: dict[str, int]
    drafts: dict[str, int]
    tokens_in: int
    tokens_out: int


def counts(session: Session, campaign_id: int) -> Counts:
    """Members by status and reason, drafts by state and their tokens: three aggregates."""
    by_status: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = {}
    failed: dict[str, int] = {}
    rows = session.execute(
        select(CampaignMember.status, CampaignMember.skip_reason, func.count())
        .where(CampaignMember.campaign_id == campaign_id)
        .group_by(CampaignMember.status, CampaignMember.skip_reason)
    ).all()
    for status, reason, number in rows:
        by_status[status] += number
        if status == SKIPPED:
            skipped[reason or "unknown"] = number
        elif status == FAILED:
            failed[reason or "unknown"] = number
    drafts = {
        state: number
        for state, number in session.execute(
            select(Draft.state, func.count())
            .where(Draft.campaign_id == campaign_id)
            .group_by(Draft.state)
        ).all()
    }
    tokens = session.execute(
        select(
            func.coalesce(func.sum(Draft.tokens_in), 0),
            func.coalesce(func.sum(Draft.tokens_out), 0),
        ).where(Draft.campaign_id == campaign_id)
    ).one()
    return Counts(
        members=sum(by_status.values()),
        pending=by_status[PENDING],
        drafted=by_status[DRAFTED],
        skipped=dict(sorted(skipped.items())),
        failed=dict(sorted(failed.items())),
        drafts=dict(sorted(drafts.items())),
        tokens_in=int(tokens[0]),
        tokens_out=int(tokens[1]),
    )


def take_stalled(session: Session, stale_before: datetime, limit: int) -> list[int]:
    """Campaigns no live run holds: `running` with no heartbeat since `stale_before` (the run
    died), or `created` that long ago (its drafting task was lost). Each is marked
    `interrupted` (so it is taken once, not every tick); their ids, to draft them again."""
    stalled = (
        select(Campaign.id)
        .where(Campaign.status.in_(("running", "created")), Campaign.updated_at < stale_before)
        .order_by(Campaign.id)
        .limit(limit)
    )
    moved = session.execute(
        update(Campaign)
        .where(
            Campaign.id.in_(stalled.scalar_subquery()),
            Campaign.status.in_(("running", "created")),
            Campaign.updated_at < stale_before,
        )
        .values(status="interrupted", updated_at=utcnow())
        .returning(Campaign.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return sorted(moved)
