"""Background entry points of review (thin: a unit of work around a service call).

`regenerate` is the task "review.regenerate" that Slack and the API queue (after the unit of
work of `service.request_regeneration` commits) through the configured runner: a Celery
worker with ASSISTANT_BROKER_URL, else in-process. It wires its drafter and review channel
from settings, so its arguments are plain JSON. The terminal runs `regenerate_draft` itself.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from assistant.config import get_settings
from assistant.db import get_engine, unit_of_work
from assistant.drafting.factory import DrafterFactory
from assistant.jobs.registry import task
from assistant.ports import ReviewChannel
from assistant.review import regeneration
from assistant.review import repository as repo
from assistant.review.actors import Actor
from assistant.review.outcomes import DecisionOutcome
from assistant.review.redraft import redraft_with, run_sync
from assistant.review.regeneration import REGENERATE
from assistant.wiring import build_drafter, build_review_channel

log = logging.getLogger(__name__)

__all__ = ["REGENERATE", "regenerate", "regenerate_draft"]


def regenerate_draft(
    draft_id: int,
    instruction: str | None = None,
    *,
    build_drafter: DrafterFactory,
    actor_id: str | None = None,
    engine: Engine | None = None,
    channel: ReviewChannel | None = None,
) -> DecisionOutcome:
    """Read the draft, draft with no transaction open, write the new text in a second unit
    of work, then show it on `channel`.

    Only a regeneration still to do is drafted (`RedraftJob.requested`): a second run, or
    one after the draft was decided or changed, writes nothing. The caller hands over
    `build_drafter` (the wiring's, for the configured drafter).
    """
    with unit_of_work(engine) as session:
        job = regeneration.prepare_regeneration(session, draft_id)
    outcome = None
    if job.requested and job.state in repo.REVIEWABLE:
        outcome = run_sync(redraft_with(job, instruction, build_drafter=build_drafter))
    with unit_of_work(engine) as session:
        result = regeneration.apply_regeneration(
            session,
            job,
            outcome,
            instruction=instruction,
            actor=Actor(actor_id) if actor_id else None,
        )
    if channel is not None and job.requested:
        channel.update_draft(draft_id)
    return result


@task(REGENERATE)
def regenerate(draft_id: int, instruction: str | None = None, actor_id: str | None = None) -> bool:
    """Regenerate a draft marked by `request_regeneration` with the configured drafter, and
    show it on the configured review channel (none for the terminal: nobody watches a
    server's console). Whether a new text was written; safe to run twice."""
    settings = get_settings()
    engine = get_engine()
    channel = (
        build_review_channel(settings, engine) if settings.review.channel != "terminal" else None
    )
    result = regenerate_draft(
        draft_id,
        instruction,
        build_drafter=build_drafter,
        actor_id=actor_id,
        engine=engine,
        channel=channel,
    )
    log.info("review.regenerate draft=%s applied=%s", draft_id, result.applied)
    return result.applied
