"""`/api/v1/reports`: read-only reports; `review` is review analytics (docs/reports.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from assistant.api.deps import ReviewKey, SessionDep
from assistant.reports import service
from assistant.reports.schemas import ReviewGroup, ReviewReport

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/review", response_model=ReviewReport)
def review_report(
    _key: ReviewKey,
    session: SessionDep,
    since: Annotated[date | None, Query(description="First UTC day (inclusive).")] = None,
    until: Annotated[date | None, Query(description="Last UTC day (inclusive).")] = None,
    by: Annotated[service.Dimension, Query(description="The grouping; week is the decision's.")] = (
        "playbook"
    ),
) -> ReviewReport:
    """Approval, edit and rejection rates, regenerations, overrides, time to decision, edit
    distances, rejection reasons and guardrail findings, per group."""
    try:
        rows = service.review_analytics(session, since=since, until=until, by=by)
    except service.BadReportInput as exc:
        raise HTTPException(422, str(exc)) from None
    return ReviewReport(
        by=by, since=since, until=until, groups=[ReviewGroup.of(row) for row in rows]
    )
