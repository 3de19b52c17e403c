"""`/api/v1/campaigns`: start a campaign (drafted in the background) and page its drafts.

The run is the `campaigns.draft` job, queued once the campaign is committed: on a Celery worker
when ASSISTANT_BROKER_URL is set, else in this process after the response. Progress is read
back from the database, so any worker or process can answer `GET /api/v1/campaigns/{id}`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.pagination import CursorParam, LimitParam, decode_cursor, next_cursor
from assistant.api.params import IdPath
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.drafting import campaigns, draft_queries
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.drafting.schemas import DraftRead, DraftsPage
from assistant.drafting.tasks import DRAFT_CAMPAIGN
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models import DraftState
from assistant.ports import Channel, Drafter

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


class CampaignCreate(BaseModel):
    """A campaign to draft: the playbook, optionally another segment, channel and caps."""

    playbook: str
    segment: str | None = None
    channel: Channel | None = None
    limit: int | None = Field(None, ge=1)
    concurrency: int | None = Field(None, ge=1, le=500)
    holdout: float | None = Field(
        None, ge=0, le=50, description="Percent held out (default: ASSISTANT_HOLDOUT_PERCENT)."
    )


class CampaignCounts(BaseModel):
    """Members by status (skips and failures by reason) and drafts by state."""

    members: int
    pending: int
    drafted: int
    skipped: dict[str, int]
    failed: dict[str, int]
    drafts: dict[str, int]


class CampaignBase(BaseModel):
    """What names a campaign and where it stands."""

    id: int
    name: str
    playbook: str
    segment: str | None
    channel: str
    status: str
    created_at: datetime
    trigger: str | None = Field(
        None, description="The trigger whose occasions of one day it drafts (null: a person's)."
    )


class CampaignRead(CampaignBase):
    """A campaign, where it stands, and its last summary."""

    completed_at: datetime | None
    counts: CampaignCounts
    summary: dict[str, Any]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine or get_engine()
    return engine


def brand_and_drafter() -> tuple[Brand, Drafter]:
    from assistant.variants.config import load_variants
    from assistant.wiring import DrafterConfigError, build_drafter

    try:
        brand = load_brand()
        load_variants()  # a broken variants.yaml is reported now, not mid-run
        return brand, build_drafter(get_settings(), brand)
    except (PromptsConfigError, DrafterConfigError) as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


def start_drafting(
    session: Session, background: BackgroundTasks, campaign_id: int, concurrency: int | None
) -> None:
    """Queue `campaigns.draft` for when `session` commits: on a worker with a broker, else
    in this process after the response (as FastAPI background work)."""
    runner = build_runner(get_settings(), defer=background.add_task)
    enqueue_after_commit(
        session,
        runner,
        DRAFT_CAMPAIGN,
        campaign_id=campaign_id,
        concurrency=concurrency,
        actor="api",
    )


def _read(session: Session, campaign_id: int) -> CampaignRead:
    try:
        found = campaigns.campaign_progress(session, campaign_id)
    except campaigns.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None
    return CampaignRead.model_validate(found)


def _create(
    engine: Engine,
    wanted: campaigns.CampaignRequest,
    brand: Brand,
    background: BackgroundTasks,
    concurrency: int | None,
) -> int:
    # The drafting job is queued only once the members are committed, so it finds them.
    with unit_of_work(engine, writes=True) as session:
        campaign_id = campaigns.create_campaign(session, wanted, brand=brand).id
        start_drafting(session, background, campaign_id, concurrency)
        return campaign_id


def _read_by_id(engine: Engine, campaign_id: int) -> CampaignRead:
    with unit_of_work(engine) as session:
        return _read(session, campaign_id)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=CampaignRead)
async def create_campaign(
    body: CampaignCreate, request: Request, background: BackgroundTasks, _key: ReviewKey
) -> CampaignRead:
    """Snapshot the segment now (202 with the campaign); draft it in the background."""
    brand, drafter = brand_and_drafter()  # a configuration problem is a 503 now, not later
    await drafter.aclose()
    engine = _engine(request)
    wanted = campaigns.CampaignRequest(
        playbook=body.playbook,
        segment=body.segment,
        channel=body.channel,
        limit=body.limit,
        created_by="api",
        holdout=body.holdout,
    )
    try:
        campaign_id = await asyncio.to_thread(
            _create, engine, wanted, brand, background, body.concurrency
        )
    except campaigns.CampaignError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return await asyncio.to_thread(_read_by_id, engine, campaign_id)


@router.get("/{campaign_id}/drafts", response_model=DraftsPage)
def campaign_drafts(
    campaign_id: IdPath,
    _key: ReviewKey,
    session: SessionDep,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
    state: DraftState | None = None,
) -> DraftsPage:
    """A page of the campaign's drafts (optionally in one state) in id order, with the total;
    `next_cursor` continues (None on the last page). Reviewing them: `/api/v1/drafts`."""
    after = decode_cursor(cursor)
    try:
        campaigns.get_campaign(session, campaign_id)
    except campaigns.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None
    wanted = draft_queries.DraftFilter(
        campaign_id=campaign_id, state=state.value if state else None
    )
    rows = draft_queries.drafts_after(session, wanted, after, limit)
    return DraftsPage(
        campaign_id=campaign_id,
        total=draft_queries.count_drafts(session, wanted),
        drafts=[DraftRead.of(draft, external) for draft, external in rows],
        next_cursor=next_cursor(rows, limit, lambda row: row[0].id),
    )
