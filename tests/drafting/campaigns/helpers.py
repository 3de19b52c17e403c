"""Stores, runs and test drafters for campaign tests.

The test drafters implement the Drafter port around the real offline drafter (dependency
injection, not patching): they add latency, failures or bad text, and record every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.demo import generate_store
from assistant.drafting import campaigns
from assistant.drafting.brand import Brand, load_brand
from assistant.drafting.retry import Backoff
from assistant.drafting.runner import Progress, RunSummary
from assistant.metrics.service import refresh
from assistant.models import CampaignMember, Customer, Draft
from assistant.ports import Drafter, DrafterError, DraftOutput, DraftRequest
from assistant.wiring import build_drafter
from tests.ingest.dbstate import run_import
from tests.segments.stores import FIXTURE, PINNED_CLV, load_store

AS_OF = date(2026, 11, 20)
FAST = Backoff(max_retries=3, base=0.01, cap=0.05)


def fast_backoff() -> Backoff:
    """The configured number of retries, with short waits (tests need not wait long)."""
    return Backoff(max_retries=get_settings().llm.max_retries, base=0.01, cap=0.05)


def fixture_store(engine: Engine, folder: Path) -> Engine:
    """The hand-built segment store (26 customers, as of 2026-11-20)."""
    load_store(engine, folder, FIXTURE, clv=PINNED_CLV)
    return engine


def demo_store(engine: Engine, folder: Path, customers: int = 600, seed: int = 7) -> Engine:
    """A generated demo store, imported and with metrics as of AS_OF."""
    generate_store(folder, customers=customers, seed=seed, as_of=AS_OF)
    run_import(engine, folder)
    with unit_of_work(engine) as session:
        refresh(session, AS_OF)
    return engine


def brand() -> Brand:
    return load_brand()


def offline() -> Drafter:
    """The embedded offline drafter, as the wiring builds it."""
    return build_drafter(get_settings(), brand())


def create(engine: Engine, playbook: str, **options: Any) -> int:
    """A new campaign's id."""
    request = campaigns.CampaignRequest(playbook=playbook, **options)
    with unit_of_work(engine) as session:
        return campaigns.create_campaign(session, request, brand=brand()).id


def run(
    engine: Engine,
    campaign_id: int,
    drafter: Drafter,
    *,
    concurrency: int = 4,
    on_progress: Callable[[Progress], None] | None = None,
    **options: Any,
) -> RunSummary:
    """Run a campaign to the end on a fresh event loop."""
    options.setdefault("backoff", fast_backoff())
    return asyncio.run(
        campaigns.run_campaign(
            engine,
            campaign_id,
            drafter,
            brand=brand(),
            settings=get_settings(),
            concurrency=concurrency,
            on_progress=on_progress,
            **options,
        )
    )


def members(engine: Engine, campaign_id: int) -> dict[str, tuple[str, str | None]]:
    """external customer id -> (member status, reason)."""
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(Customer.external_id, CampaignMember.status, CampaignMember.skip_reason)
            .join(Customer, Customer.id == CampaignMember.customer_id)
            .where(CampaignMember.campaign_id == campaign_id)
        ).all()
    return {external: (status, reason) for external, status, reason in rows}


def drafts(engine: Engine, campaign_id: int) -> list[Draft]:
    """The campaign's drafts, in id order."""
    with unit_of_work(engine) as session:
        found = session.execute(
            select(Draft).where(Draft.campaign_id == campaign_id).order_by(Draft.id)
        ).scalars()
        return list(found)


Failure = Callable[[int, DraftRequest], DrafterError | None]
Rewrite = Callable[[int, DraftRequest], str | None]


class TestDrafter:
    """The offline drafter with knobs; records calls and the most calls in flight at once."""

    __test__ = False  # not a pytest class
    name = "test"

    def __init__(
        self,
        inner: Drafter | None = None,
        *,
        delay: float = 0.0,
        fail: Failure | None = None,
        body: Rewrite | None = None,
    ) -> None:
        self.inner = inner or offline()
        self.delay = delay
        self.fail = fail
        self.body = body
        self.calls: list[DraftRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def draft(self, request: DraftRequest) -> DraftOutput:
        index = len(self.calls)
        self.calls.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            error = self.fail(index, request) if self.fail else None
            if error is not None:
                raise error
            output = await self.inner.draft(request)
            text = self.body(index, request) if self.body else None
            return output if text is None else replace(output, body=text)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()
