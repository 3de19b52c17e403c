"""The segment tests' fixture store (tests/segments/stores.py), with phones, for triggers.

Evaluated as of 2026-11-20 (brand zone America/New_York) at 15:00 UTC that day. Drafting
runs in-process with the offline drafter when a test passes `drafting()`; otherwise the
queued `campaigns.draft` tasks are only collected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.drafting.brand import DEFAULT_PROMPTS_DIR, load_brand
from assistant.jobs.runners import CollectingRunner, InProcessRunner, TaskRunner
from assistant.models import Customer, TriggerOccasion
from assistant.triggers import service
from assistant.triggers.config import TriggersConfig, load_triggers, parse_document
from tests.segments.stores import AS_OF, FIXTURE, PINNED_CLV, load_store

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ZONE = "America/New_York"


def build_store(engine: Engine, folder: Path) -> None:
    """Import the fixture store; every customer gets a phone number."""
    load_store(engine, folder, FIXTURE, clv=PINNED_CLV)
    with unit_of_work(engine) as session:
        for customer in session.execute(select(Customer)).scalars():
            customer.phone = f"+1202555{customer.id:04d}"


def ids(engine: Engine) -> dict[str, int]:
    """External id -> row id."""
    with unit_of_work(engine) as session:
        return dict(session.execute(select(Customer.external_id, Customer.id)).all())


def config(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> TriggersConfig:
    """The shipped triggers.yaml, with some triggers' parameters replaced."""
    shipped = load_triggers(DEFAULT_PROMPTS_DIR)
    if not overrides:
        return shipped
    document = yaml.safe_load((DEFAULT_PROMPTS_DIR / "triggers.yaml").read_text())
    for name, params in overrides.items():
        document["triggers"][name] = {**(document["triggers"].get(name) or {}), **params}
    return parse_document(document, None)


def context(as_of: date = AS_OF, now: datetime | None = None) -> service.Context:
    moment = now or datetime.combine(as_of, NOW.timetz())
    return service.Context(as_of, moment, load_brand(), DeliveryPolicy(brand_zone=ZONE), ZONE)


def run(
    engine: Engine,
    *,
    as_of: date = AS_OF,
    now: datetime | None = None,
    runner: TaskRunner | None = None,
    dry_run: bool = False,
    only: str | None = None,
    customers: Sequence[int] | None = None,
    triggers: TriggersConfig | None = None,
) -> service.RunReport:
    with unit_of_work(engine, writes=True) as session:
        return service.run(
            session,
            triggers or config(),
            context(as_of, now),
            runner=runner if runner is not None else CollectingRunner(),
            dry_run=dry_run,
            only=only,
            customer_ids=customers,
        )


def drafting() -> InProcessRunner:
    """Draft queued campaigns at once, offline."""
    return InProcessRunner()


def step(report: service.RunReport, trigger: str, number: int = 1) -> service.StepReport:
    return next(s for s in report.steps if s.trigger == trigger and s.step == number)


def queued(engine: Engine, trigger: str | None = None, number: int = 1) -> set[str]:
    """External ids of the customers with a queued occasion of `trigger` (step `number`)."""
    with unit_of_work(engine) as session:
        query = (
            select(Customer.external_id)
            .join(TriggerOccasion, TriggerOccasion.customer_id == Customer.id)
            .where(TriggerOccasion.step == number)
        )
        if trigger is not None:
            query = query.where(TriggerOccasion.trigger == trigger)
        return set(session.execute(query).scalars())


def later(days: int) -> date:
    return AS_OF + timedelta(days=days)
