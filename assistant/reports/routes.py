"""`/api/v1/reports`: read-only reports, `review` and `outcomes` (docs/reports.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.params import BOUNDED_DAY, MAX_ID
from assistant.config import get_settings
from assistant.reports import outcomes, service
from assistant.reports.schemas import OutcomeGroup, OutcomeReport, ReviewGroup, ReviewReport

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


SinceParam = Annotated[date | None, Query(description="First UTC day (inclusive)."), BOUNDED_DAY]
UntilParam = Annotated[date | None, Query(description="Last UTC day (inclusive)."), BOUNDED_DAY]


@router.get("/review", response_model=ReviewReport)
def review_report(
    _key: ReviewKey,
    session: SessionDep,
    since: SinceParam = None,
    until: UntilParam = None,
    by: Annotated[service.Dimension, Query(description="The grouping; week is the decision's.")] = (
        "playbook"
    ),
    playbook: Annotated[
        str | None, Query(max_length=32, description="Only this playbook's drafts.")
    ] = None,
) -> ReviewReport:
    """Approval, edit and rejection rates, regenerations, overrides, time to decision, edit
    distances, rejection reasons and guardrail findings, per group; `playbook` with
    `by=week` shows whether one playbook needs fewer edits over time."""
    try:
        rows = service.review_analytics(session, since=since, until=until, by=by, playbook=playbook)
    except service.BadReportInput as exc:
        raise HTTPException(422, str(exc)) from None
    return ReviewReport(
        by=by,
        playbook=playbook,
        since=since,
        until=until,
        groups=[ReviewGroup.of(row) for row in rows],
    )


@router.get("/outcomes", response_model=OutcomeReport)
def outcomes_report(
    _key: ReviewKey,
    session: SessionDep,
    since: SinceParam = None,
    until: UntilParam = None,
    by: Annotated[outcomes.Grouping, Query(description="The grouping.")] = "campaign",
    campaign: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this campaign's drafts.")
    ] = None,
) -> OutcomeReport:
    """Drafted, approved, sent, delivered, replied, opted out, converted, attributed revenue
    and cost, per group; orders are attributed by last touch (docs/reports.md)."""
    settings = get_settings()
    try:
        rows = outcomes.outcomes(
            session, settings, since=since, until=until, by=by, campaign_id=campaign
        )
    except service.BadReportInput as exc:
        raise HTTPException(422, str(exc)) from None
    return OutcomeReport(
        by=by,
        since=since,
        until=until,
        campaign=campaign,
        attribution_days=settings.metrics.attribution_days,
        groups=[OutcomeGroup.of(row) for row in rows],
    )
