"""Background entry points of review (thin: a unit of work around a service call)."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.drafting.factory import DrafterFactory
from assistant.ports import ReviewChannel
from assistant.review import regeneration
from assistant.review import repository as repo
from assistant.review.actors import Actor
from assistant.review.outcomes import DecisionOutcome
from assistant.review.redraft import redraft_with, run_sync

REGENERATE = "review.regenerate"


def regenerate_draft(
    draft_id: int,
    instruction: str | None = None,
    *,
    build_drafter: DrafterFactory,
    actor_id: str | None = None,
    engine: Engine | None = None,
    channel: ReviewChannel | None = None,
) -> DecisionOutcome:
    """Task "review.regenerate": read the draft, draft with no transaction open, write the
    new text in a second unit of work, then show it on `channel`.

    Queue it after the unit of work of `service.request_regeneration` commits. The caller
    hands over `build_drafter` (the wiring's, for the configured drafter).
    """
    with unit_of_work(engine) as session:
        job = regeneration.prepare_regeneration(session, draft_id)
    outcome = None
    if job.state in repo.REVIEWABLE:
        outcome = run_sync(redraft_with(job, instruction, build_drafter=build_drafter))
    with unit_of_work(engine) as session:
        result = regeneration.apply_regeneration(
            session,
            job,
            outcome,
            instruction=instruction,
            actor=Actor(actor_id) if actor_id else None,
        )
    if channel is not None:
        channel.update_draft(draft_id)
    return result
