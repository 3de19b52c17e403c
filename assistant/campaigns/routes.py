"""`/api/v1/campaigns`: list campaigns, show one, pause, resume and cancel it.

Errors are problem documents: 404 for an unknown id, 409 for a transition that makes no
sense (resume a cancelled campaign). Starting a campaign and paging its drafts live in
`assistant.drafting.routes`.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.pagination import CursorParam, LimitParam, decode_cursor, next_cursor
from assistant.api.params import IdPath
from assistant.campaigns import service
from assistant.campaigns.schemas import (
    CampaignDetail,
    CampaignListItem,
    CampaignsPage,
    CancelBody,
    ControlRead,
)
from assistant.db import get_engine, unit_of_work

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
ACTOR = "api"


def _detail(session: Session, campaign_id: int) -> CampaignDetail:
    try:
        return CampaignDetail.model_validate(service.detail(session, campaign_id))
    except service.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None


def _control(
    session: Session, campaign_id: int, action: str, reason: str | None = None
) -> ControlRead:
    try:
        outcome = service.control(session, campaign_id, action, actor=ACTOR, reason=reason)
    except service.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None
    except service.InvalidTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return ControlRead(
        changed=outcome.changed,
        messages=outcome.messages,
        drafts=outcome.drafts,
        members=outcome.members,
        sent=outcome.sent,
        pending=outcome.pending,
        campaign=_detail(session, campaign_id),
    )


@router.get("", response_model=CampaignsPage)
def list_campaigns(
    _key: ReviewKey,
    session: SessionDep,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> CampaignsPage:
    """A page of campaigns, newest first, with members and drafts counted; follow
    `next_cursor` for the next page."""
    total, rows = service.listing(session, limit=limit, before=decode_cursor(cursor))
    return CampaignsPage(
        total=total,
        campaigns=[CampaignListItem.model_validate(row) for row in rows],
        next_cursor=next_cursor(rows, limit, key=lambda row: row["id"]),
    )


@router.get("/{campaign_id}", response_model=CampaignDetail)
def get_campaign(campaign_id: IdPath, _key: ReviewKey, session: SessionDep) -> CampaignDetail:
    """Status, counts of members, drafts and messages, reasons, cost: poll it for progress."""
    return _detail(session, campaign_id)


@router.post("/{campaign_id}/pause", response_model=ControlRead)
def pause_campaign(campaign_id: IdPath, _key: ReviewKey, session: SessionDep) -> ControlRead:
    """Stop drafting and hold scheduled messages (409 when cancelled)."""
    return _control(session, campaign_id, "pause")


@router.post("/{campaign_id}/cancel", response_model=ControlRead)
def cancel_campaign(
    campaign_id: IdPath, _key: ReviewKey, session: SessionDep, body: CancelBody | None = None
) -> ControlRead:
    """Cancel the campaign and everything of it not yet sent; idempotent."""
    return _control(session, campaign_id, "cancel", body.reason if body else None)


def _resume(engine: Engine, campaign_id: int, background: BackgroundTasks) -> ControlRead:
    # The drafting job is queued only once the resume is committed, so it can claim it.
    from assistant.drafting.routes import start_drafting

    with unit_of_work(engine) as session:
        result = _control(session, campaign_id, "resume")
        if result.pending:
            start_drafting(session, background, campaign_id, None)
            result.drafting = True
        return result


@router.post("/{campaign_id}/resume", response_model=ControlRead)
async def resume_campaign(
    campaign_id: IdPath, request: Request, background: BackgroundTasks, _key: ReviewKey
) -> ControlRead:
    """Release held messages; members still pending are drafted in the background."""
    engine: Engine = request.app.state.engine or get_engine()
    return await asyncio.to_thread(_resume, engine, campaign_id, background)
