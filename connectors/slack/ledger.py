"""What has been posted to Slack, kept in the database: claim before post, record after.

`chat.postMessage` has no idempotency key, so a card is claimed (a conditional UPDATE that
sets `slack_claimed_at` while `slack_ts` is NULL, committed) before it is posted, and
recorded (`slack_channel`, `slack_ts`) after. Two posters never both win a claim, so a card
is never posted twice. A post that certainly failed releases its claim (the card is retried
later); a post whose answer was lost keeps it, and once the claim is stale the poster looks
for the message in Slack before posting again. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import null, select, update
from sqlalchemy.orm import Session

from assistant.models import Campaign, Draft, DraftState

OPEN_STATES = (DraftState.PENDING_REVIEW.value, DraftState.NEEDS_ATTENTION.value)

Model = type[Draft] | type[Campaign]


def _claim(session: Session, model: Model, row_id: int, channel: str, now: datetime) -> bool:
    conditions: list[Any] = [
        model.id == row_id,
        model.slack_ts.is_(None),
        model.slack_claimed_at.is_(None),
    ]
    if model is Draft:
        conditions.append(Draft.state.in_(OPEN_STATES))
    result = session.execute(
        update(model)
        .where(*conditions)
        .values(slack_claimed_at=now, slack_channel=channel)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _record(
    session: Session, model: Model, row_id: int, claimed_at: datetime, channel: str, ts: str
) -> bool:
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.slack_ts.is_(None), model.slack_claimed_at == claimed_at)
        .values(slack_channel=channel, slack_ts=ts)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _release(session: Session, model: Model, row_id: int, claimed_at: datetime) -> None:
    session.execute(
        update(model)
        .where(model.id == row_id, model.slack_ts.is_(None), model.slack_claimed_at == claimed_at)
        .values(slack_claimed_at=null(), slack_channel=null())
        .execution_options(synchronize_session=False)
    )


def _retake(session: Session, model: Model, row_id: int, old: datetime, now: datetime) -> bool:
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.slack_ts.is_(None), model.slack_claimed_at == old)
        .values(slack_claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_draft(session: Session, draft_id: int, channel: str, now: datetime) -> bool:
    """Claim an open draft's card for posting to `channel`; False if posted, claimed or closed."""
    return _claim(session, Draft, draft_id, channel, now)


def record_draft(
    session: Session, draft_id: int, claimed_at: datetime, channel: str, ts: str
) -> bool:
    """The claimed card was posted as (channel, ts); False if the claim was lost meanwhile."""
    return _record(session, Draft, draft_id, claimed_at, channel, ts)


def release_draft(session: Session, draft_id: int, claimed_at: datetime) -> None:
    """The post certainly failed: free the claim so the card is posted later."""
    _release(session, Draft, draft_id, claimed_at)


def retake_draft(session: Session, draft_id: int, old: datetime, now: datetime) -> bool:
    """Take over a stale claim (to look for the card in Slack, then post it if missing)."""
    return _retake(session, Draft, draft_id, old, now)


def claim_campaign(session: Session, campaign_id: int, channel: str, now: datetime) -> bool:
    """Claim a campaign's parent message for posting."""
    return _claim(session, Campaign, campaign_id, channel, now)


def record_campaign(
    session: Session, campaign_id: int, claimed_at: datetime, channel: str, ts: str
) -> bool:
    """The parent message was posted as (channel, ts)."""
    return _record(session, Campaign, campaign_id, claimed_at, channel, ts)


def release_campaign(session: Session, campaign_id: int, claimed_at: datetime) -> None:
    """The parent message certainly failed to post."""
    _release(session, Campaign, campaign_id, claimed_at)


def retake_campaign(session: Session, campaign_id: int, old: datetime, now: datetime) -> bool:
    """Take over a stale claim of a parent message."""
    return _retake(session, Campaign, campaign_id, old, now)


def stale_claims(
    session: Session, model: Model, before: datetime, limit: int
) -> list[tuple[int, datetime, str | None]]:
    """Claims older than `before` never recorded: (id, claimed_at, channel)."""
    rows = session.execute(
        select(model.id, model.slack_claimed_at, model.slack_channel)
        .where(model.slack_ts.is_(None), model.slack_claimed_at < before)
        .order_by(model.id)
        .limit(limit)
    ).all()
    return [(int(r[0]), r[1], r[2]) for r in rows if r[1] is not None]


def unposted_drafts(session: Session, *, campaign_id: int | None = None, limit: int) -> list[int]:
    """Open drafts without a card and not claimed, oldest first."""
    query = select(Draft.id).where(
        Draft.state.in_(OPEN_STATES), Draft.slack_ts.is_(None), Draft.slack_claimed_at.is_(None)
    )
    if campaign_id is not None:
        query = query.where(Draft.campaign_id == campaign_id)
    return [int(i) for i in session.execute(query.order_by(Draft.id).limit(limit)).scalars()]
