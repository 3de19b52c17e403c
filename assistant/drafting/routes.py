"""`/api/v1/campaigns`: start a campaign (drafted in the background) and page its drafts.

The run happens in-process after the response (FastAPI background task on the server's event
loop); once the jobs package exists it becomes a queued job. Progress is read back from the
database, so any worker or process can answer `GET /api/v1/campaigns/{id}`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.params import IdPath, PageParam
from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.drafting import campaigns
from assistant.drafting.brand import Brand, PromptsConfigError, load_brand
from assistant.drafting.runner import CampaignBusy, record_failure
from assistant.models import DraftState
from assistant.ports import Drafter

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])


class CampaignCreate(BaseModel):
    """A campaign to draft: the playbook, optionally another segment, channel and caps."""

    playbook: str
    segment: str | None = None
    channel: Literal["sms", "email"] | None = None
    limit: int | None = Field(None, ge=1)
    concurrency: int | None = Field(None, ge=1, le=500)


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


class CampaignRead(CampaignBase):
    """A campaign, where it stands, and its last summary."""

    completed_at: datetime | None
    counts: CampaignCounts
    summary: dict[str, Any]


class DraftRead(BaseModel):
    """A draft with its fact receipt and guardrail findings."""

    id: int
    customer_id: str
    playbook: str
    channel: str
    state: str
    subject: str | None
    body: str
    facts: dict[str, Any]
    findings: dict[str, Any]
    prompt_version: str | None
    model: str | None
    tokens_in: int
    tokens_out: int
    attempts: int
    created_at: datetime


class DraftsPage(BaseModel):
    """One page of a campaign's drafts, in id order, with the total."""

    campaign_id: int
    total: int
    page: int
    per_page: int
    drafts: list[DraftRead]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine or get_engine()
    return engine


def brand_and_drafter() -> tuple[Brand, Drafter]:
    from assistant.wiring import DrafterConfigError, build_drafter

    try:
        brand = load_brand()
        return brand, build_drafter(get_settings(), brand)
    except (PromptsConfigError, DrafterConfigError) as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


async def run_in_background(
    engine: Engine, campaign_id: int, drafter: Drafter, brand: Brand, concurrency: int | None
) -> None:
    """The background run; its outcome is the campaign's status and summary."""
    try:
        await campaigns.run_campaign(
            engine,
            campaign_id,
            drafter,
            brand=brand,
            settings=get_settings(),
            concurrency=concurrency,
            actor="api",
        )
    except CampaignBusy as exc:
        logger.warning("campaigns.busy campaign=%s: %s", campaign_id, exc)
    except Exception as exc:
        # Never left `running`: the campaign is marked failed with the reason.
        logger.exception("campaigns.run_failed campaign=%s", campaign_id)
        await asyncio.to_thread(record_failure, engine, campaign_id, exc)
    finally:
        await drafter.aclose()


def _read(session: Session, campaign_id: int) -> CampaignRead:
    try:
        found = campaigns.campaign_progress(session, campaign_id)
    except campaigns.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None
    return CampaignRead.model_validate(found)


def _create(engine: Engine, wanted: campaigns.CampaignRequest, brand: Brand) -> int:
    # Committed before the background run starts, so the run finds its members.
    with unit_of_work(engine, writes=True) as session:
        return campaigns.create_campaign(session, wanted, brand=brand).id


def _read_by_id(engine: Engine, campaign_id: int) -> CampaignRead:
    with unit_of_work(engine) as session:
        return _read(session, campaign_id)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=CampaignRead)
async def create_campaign(
    body: CampaignCreate, request: Request, background: BackgroundTasks, _key: ReviewKey
) -> CampaignRead:
    """Snapshot the segment now (202 with the campaign); draft it in the background."""
    brand, drafter = brand_and_drafter()
    engine = _engine(request)
    wanted = campaigns.CampaignRequest(
        playbook=body.playbook,
        segment=body.segment,
        channel=body.channel,
        limit=body.limit,
        created_by="api",
    )
    try:
        campaign_id = await asyncio.to_thread(_create, engine, wanted, brand)
    except campaigns.CampaignError as exc:
        await drafter.aclose()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    except BaseException:
        await drafter.aclose()
        raise
    background.add_task(run_in_background, engine, campaign_id, drafter, brand, body.concurrency)
    return await asyncio.to_thread(_read_by_id, engine, campaign_id)


@router.get("/{campaign_id}/drafts", response_model=DraftsPage)
def campaign_drafts(
    campaign_id: IdPath,
    _key: ReviewKey,
    session: SessionDep,
    page: PageParam = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    state: DraftState | None = None,
) -> DraftsPage:
    """A page of the campaign's drafts (optionally in one state), with the total."""
    try:
        campaigns.get_campaign(session, campaign_id)
    except campaigns.CampaignNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign {campaign_id}") from None
    total, rows = campaigns.list_drafts(
        session,
        campaign_id=campaign_id,
        state=state.value if state else None,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    return DraftsPage(
        campaign_id=campaign_id,
        total=total,
        page=page,
        per_page=per_page,
        drafts=[
            DraftRead(
                id=draft.id,
                customer_id=external,
                playbook=draft.playbook,
                channel=draft.channel,
                state=draft.state,
                subject=draft.subject,
                body=draft.body,
                facts=draft.facts or {},
                findings=draft.findings or {},
                prompt_version=draft.prompt_version,
                model=draft.model,
                tokens_in=draft.tokens_in,
                tokens_out=draft.tokens_out,
                attempts=draft.attempts,
                created_at=draft.created_at,
            )
            for draft, external in rows
        ],
    )
