"""Trigger runs as jobs: `triggers.daily` (once per brand-local day, from the worker's tick)
and `triggers.evaluate` (for the customers an import batch or a webhook touched).

Both are idempotent: an occasion is queued once whatever runs it (the unique key of
`trigger_occasions`). The daily run is claimed by a `trigger_runs` row for its day, in
the same transaction as the run, under an advisory lock: two ticks, two workers or a
redelivered task run it once; a run that fails leaves the day unclaimed for the next tick.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from assistant.config import Settings, get_settings
from assistant.db import get_engine, unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.drafting.brand import load_brand
from assistant.jobs.locks import exclusive
from assistant.jobs.registry import task
from assistant.jobs.runners import CeleryRunner, TaskRunner, build_runner
from assistant.models.base import utcnow
from assistant.triggers import repository, service
from assistant.triggers.config import load_triggers
from assistant.triggers.hooks import EVALUATE_TASK

log = logging.getLogger(__name__)

DAILY_TASK = "triggers.daily"


def brand_today(settings: Settings, now: datetime) -> date:
    """Today in the brand's zone."""
    return now.astimezone(ZoneInfo(settings.app.brand_timezone)).date()


def context_for(settings: Settings, as_of: date | None, now: datetime) -> service.Context:
    """A run's context: the day (default: the brand's today), clock, brand, delivery rules.

    A run for a later day (`--as-of` ahead: planning, rehearsing a sequence) is judged as on
    that day at this time of day, so frequency caps count what will have been sent by then.
    """
    today = brand_today(settings, now)
    if as_of is not None and as_of > today:
        now += timedelta(days=(as_of - today).days)
    return service.Context(
        as_of=as_of or today,
        now=now,
        brand=load_brand(),
        policy=DeliveryPolicy.from_settings(settings),
        zone=settings.app.brand_timezone,
    )


@task(EVALUATE_TASK)
def evaluate(customer_ids: list[int], as_of: str | None = None) -> dict[str, Any]:
    """Evaluate every enabled trigger for `customer_ids` only (after an import batch or a
    webhook touched them); the run summary."""
    settings = get_settings()
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return {"skipped": "no customers"}
    context = context_for(settings, date.fromisoformat(as_of) if as_of else None, utcnow())
    config = load_triggers()
    with unit_of_work(get_engine(), writes=True) as session:
        report = service.run(
            session, config, context, runner=build_runner(settings), customer_ids=ids
        )
    log.info("triggers.evaluated customers=%s queued=%s", len(ids), report.queued)
    return report.as_dict()


@task(DAILY_TASK)
def daily(as_of: str | None = None, now: str | None = None) -> dict[str, Any]:
    """Run every enabled trigger over the whole store, once for the brand's day."""
    settings = get_settings()
    clock = datetime.fromisoformat(now) if now else utcnow()
    context = context_for(settings, date.fromisoformat(as_of) if as_of else None, clock)
    engine = get_engine()
    with exclusive(engine, DAILY_TASK) as held:
        if not held:
            log.info("triggers.daily_skipped reason=another_run")
            return {"skipped": "another daily run is running"}
        config = load_triggers()
        with unit_of_work(engine) as session:
            if repository.day_claimed(session, context.as_of):
                return {"skipped": f"already ran for {context.as_of.isoformat()}"}
        refresh_metrics(engine, context.as_of)
        with unit_of_work(engine, writes=True) as session:
            if not repository.claim_day(session, context.as_of, clock):
                return {"skipped": f"already ran for {context.as_of.isoformat()}"}
            report = service.run(session, config, context, runner=build_runner(settings))
            repository.finish_day(session, context.as_of, utcnow(), report.as_dict())
    log.info("triggers.daily_done day=%s queued=%s", context.as_of, report.queued)
    return report.as_dict()


def refresh_metrics(engine: Engine, as_of: date) -> None:
    """Bring customer metrics up to `as_of` first: milestones and lapsed best customers are
    read from them, and nothing else refreshes them by itself (incremental when it can)."""
    from assistant.metrics import service as metrics  # scipy: only the daily run needs it

    with unit_of_work(engine, writes=True) as session:
        report = metrics.refresh(session, as_of)
    metrics.tidy_after_refresh(engine)
    log.info("triggers.metrics_refreshed incremental=%s", report.incremental)


def daily_due(settings: Settings, now: datetime, runner: TaskRunner | None = None) -> str:
    """From the worker's tick: queue (or run) today's daily run when it is due and has not
    happened; what was done (`off`, `not_yet`, `done`, `queued`)."""
    if not settings.worker.triggers_daily:
        return "off"
    local = now.astimezone(ZoneInfo(settings.app.brand_timezone))
    if local.hour < settings.worker.triggers_hour:
        return "not_yet"
    with unit_of_work(get_engine()) as session:
        if repository.day_claimed(session, local.date()):
            return "done"
    active = runner or build_runner(settings)
    if isinstance(active, CeleryRunner):
        active.expires = settings.worker.tick_seconds  # the next tick queues another
    active.enqueue(DAILY_TASK)
    return "queued"
