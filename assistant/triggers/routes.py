"""`/api/v1/triggers`: list the triggers, run them (admin), explain one customer (review).

Errors are problem documents: 404 for an unknown customer, 422 for an unknown trigger or
a broken triggers.yaml (the one-line message names the file, key and problem).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, status

from assistant.api.deps import AdminKey, ReviewKey, SessionDep
from assistant.config import get_settings
from assistant.jobs.runners import build_runner
from assistant.models.base import utcnow
from assistant.triggers import service
from assistant.triggers.config import TriggersConfig, TriggersConfigError, load_triggers
from assistant.triggers.schemas import (
    ExplainRead,
    RunBody,
    RunRead,
    TriggersList,
    explanation_read,
    run_read,
    trigger_info,
)
from assistant.triggers.tasks import context_for

router = APIRouter(prefix="/api/v1/triggers", tags=["triggers"])


def _config() -> TriggersConfig:
    try:
        return load_triggers()
    except TriggersConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.get("", response_model=TriggersList)
def list_triggers(_key: ReviewKey) -> TriggersList:
    """Every trigger as configured in triggers.yaml (or the built-in defaults)."""
    config = _config()
    return TriggersList(
        source=str(config.path) if config.path else None,
        triggers=[trigger_info(t) for t in config.triggers.values()],
    )


@router.post("/run", response_model=RunRead)
def run_triggers(
    body: RunBody, _key: AdminKey, session: SessionDep, background: BackgroundTasks
) -> RunRead:
    """Evaluate the triggers now and queue one draft per new occasion (`dry_run`: write
    nothing); the summary per trigger step: matched, queued, skipped by reason."""
    settings = get_settings()
    config = _config()
    context = context_for(settings, body.as_of, utcnow())
    runner = None if body.dry_run else build_runner(settings, defer=background.add_task)
    try:
        report = service.run(
            session, config, context, runner=runner, dry_run=body.dry_run, only=body.trigger
        )
    except TriggersConfigError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if body.dry_run:
        session.rollback()
    return run_read(report)


@router.get("/explain/{customer_id}", response_model=ExplainRead)
def explain_customer(
    customer_id: str,
    _key: ReviewKey,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="The day to evaluate.")] = None,
) -> ExplainRead:
    """For each trigger: would it fire for the customer (customers.csv id) now, and why not."""
    config = _config()
    context = context_for(get_settings(), as_of, utcnow())
    try:
        pk = service.customer_pk(session, customer_id)
    except service.CustomerNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no customer {customer_id!r}") from None
    found = service.explain(session, config, pk, context)
    return ExplainRead(
        customer_id=customer_id,
        as_of=context.as_of,
        triggers=[explanation_read(e) for e in found],
    )
