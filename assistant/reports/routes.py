"""`/api/v1/reports`: read-only reports, `review`, `outcomes`, `holdout`, `send-time`
(docs/reports.md, docs/send-time.md) and `variants` (docs/variants.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from assistant.api.deps import ReviewKey, SessionDep
from assistant.api.params import BOUNDED_DAY, MAX_ID
from assistant.config import get_settings
from assistant.playbooks import UnknownPlaybook, get_playbook
from assistant.reports import holdout, outcomes, service, variants
from assistant.reports.schemas import (
    HoldoutGroup,
    HoldoutReport,
    OutcomeGroup,
    OutcomeReport,
    PlaybookVariantReport,
    ReviewGroup,
    ReviewReport,
    SendTimeReportBody,
    VariantReport,
)
from assistant.reports.send_time import send_time_report
from assistant.variants.config import VariantsConfigError, load_variants
from assistant.variants.service import report_inputs

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


@router.get("/send-time", response_model=SendTimeReportBody)
def send_time(
    _key: ReviewKey, session: SessionDep, since: SinceParam = None, until: UntilParam = None
) -> SendTimeReportBody:
    """Reply rate per send-time policy, and learned - holdout with a 95% interval
    (docs/send-time.md)."""
    try:
        report = send_time_report(session, get_settings(), since=since, until=until)
    except service.BadReportInput as exc:
        raise HTTPException(422, str(exc)) from None
    return SendTimeReportBody.of(report)


@router.get("/holdout", response_model=HoldoutReport)
def holdout_report(
    _key: ReviewKey,
    session: SessionDep,
    since: SinceParam = None,
    until: UntilParam = None,
    by: Annotated[holdout.HoldoutGrouping, Query(description="The grouping.")] = "playbook",
    campaign: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this campaign.")
    ] = None,
) -> HoldoutReport:
    """Treated against held-out customers of the campaigns created in the window: conversion
    lift with its interval, revenue per customer difference, P(positive effect)."""
    days = get_settings().metrics.attribution_days
    try:
        rows = holdout.holdout_report(
            session, days=days, since=since, until=until, by=by, campaign_id=campaign
        )
    except service.BadReportInput as exc:
        raise HTTPException(422, str(exc)) from None
    return HoldoutReport(
        by=by,
        since=since,
        until=until,
        campaign=campaign,
        attribution_days=days,
        groups=[HoldoutGroup.model_validate(row.as_dict()) for row in rows],
    )


@router.get("/variants", response_model=VariantReport)
def variants_report(
    _key: ReviewKey,
    session: SessionDep,
    since: SinceParam = None,
    until: UntilParam = None,
    playbook: Annotated[
        str | None, Query(min_length=1, max_length=32, description="Only this playbook.")
    ] = None,
) -> VariantReport:
    """Per playbook and A/B variant: sent, reply and conversion rates and revenue per message
    with 95% intervals, and which variant leads once each has enough messages."""
    settings = get_settings()
    try:
        if playbook is not None:
            get_playbook(playbook)
        declared, promoted = report_inputs(session, load_variants())
        reports = variants.variant_report(
            session,
            settings,
            since=since,
            until=until,
            playbook=playbook,
            declared=declared,
            promoted=promoted,
        )
    except (service.BadReportInput, UnknownPlaybook, VariantsConfigError) as exc:
        raise HTTPException(422, str(exc)) from None
    return VariantReport(
        since=since,
        until=until,
        attribution_days=settings.metrics.attribution_days,
        min_sent=settings.metrics.variant_min_sent,
        playbooks=[PlaybookVariantReport.of(r) for r in reports],
    )
