"""Regenerating a draft: marked first (decisions wait for the new text), then written again
by the drafting pipeline with the reviewer's instruction, if nothing changed meanwhile.

In the background it is the task `REGENERATE` (`tasks.regenerate`), queued after the request
commits; it runs only while the request is still to do (`RedraftJob.requested`), so running
it twice, or after the text was written, changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.conversations.classify import with_inbound
from assistant.drafting.brand import Brand
from assistant.drafting.factory import DrafterFactory
from assistant.drafting.generate import Outcome
from assistant.drafting.guardrails import blocking
from assistant.learning import service as learning
from assistant.models import Draft
from assistant.models.base import utcnow
from assistant.review import audit
from assistant.review import repository as repo
from assistant.review.actors import SYSTEM, Actor
from assistant.review.outcomes import (
    ENTITY,
    REGENERATED,
    REGENERATION_FAILED,
    REGENERATION_REQUESTED,
    DecisionOutcome,
    DraftNotFound,
    text_of,
    why_not,
)
from assistant.review.redraft import RedraftJob, clean_instruction, redraft_with, run_sync

# The task name (task args: draft_id, instruction, actor_id); registered by `review.tasks`.
REGENERATE = "review.regenerate"


def request_regeneration(
    session: Session, draft_id: int, *, actor: Actor, instruction: str | None
) -> DecisionOutcome:
    """Mark the draft as being regenerated (decisions wait for the new text) and audit it.

    The work itself is `regenerate`, or the task `REGENERATE` queued after this unit of work
    commits. A second request while one runs changes nothing.
    """
    now = utcnow()
    draft = repo.lock_draft(session, draft_id)
    if draft is None:
        raise DraftNotFound(f"no draft {draft_id}")
    refusal = why_not(session, draft, "regenerate", now)
    if refusal is not None:
        return refusal
    wish = clean_instruction(instruction)
    applied = repo.transition(
        session,
        draft.id,
        from_states=repo.REVIEWABLE,
        version=draft.version,
        values={"regenerating_at": now},
        now=now,
    )
    if not applied:
        current = repo.reload(session, draft_id)
        late = why_not(session, current, "regenerate", now) if current is not None else None
        return late or DecisionOutcome(
            False, draft_id, draft.state, None, None, [], "the draft changed meanwhile"
        )
    state, version = draft.state, draft.version + 1
    session.expire(draft)
    audit.record(
        session,
        actor=actor.id,
        action=REGENERATION_REQUESTED,
        entity_type=ENTITY,
        entity_id=draft_id,
        from_state=state,
        to_state=state,
        data={"instruction": wish, "version": version},
        at=now,
    )
    return DecisionOutcome(
        True, draft_id, state, actor.id, now, [], f"regenerating at the request of {actor.label}"
    )


def prepare_regeneration(session: Session, draft_id: int) -> RedraftJob:
    """What regenerating the draft needs, read now (the drafting runs without the database).

    `requested`: the draft is marked and still at the version its last request left, so the
    regeneration asked for has not been done yet (nor anything else done to the draft).
    """
    draft = repo.reload(session, draft_id)
    if draft is None:
        raise DraftNotFound(f"no draft {draft_id}")
    requested = False
    if draft.regenerating_at is not None:
        request = audit.latest(session, ENTITY, draft.id, REGENERATION_REQUESTED)
        requested = request is not None and (request.data or {}).get("version") == draft.version
    return RedraftJob(
        draft_id=draft.id,
        version=draft.version,
        state=draft.state,
        customer_id=draft.customer_id,
        playbook=draft.playbook,
        channel=draft.channel,
        facts=with_inbound(draft.facts or {}),
        body=draft.body,
        subject=draft.subject,
        attempts=draft.attempts,
        catalog_names=tuple(repo.catalog_names(session)),
        requested=requested,
        variant=draft.variant,
        examples=learning.selected(session, draft.playbook, draft.channel),
    )


def _requester(session: Session, draft_id: int) -> Actor:
    request = audit.latest(session, ENTITY, draft_id, REGENERATION_REQUESTED)
    return Actor(request.actor) if request is not None else SYSTEM


def apply_regeneration(
    session: Session,
    job: RedraftJob,
    outcome: Outcome | None,
    *,
    instruction: str | None,
    actor: Actor | None = None,
) -> DecisionOutcome:
    """Write the regenerated text (version + 1) if the draft is unchanged since `job` was read.

    `outcome` None (nothing was drafted) or failed keeps the previous text; either way the
    regeneration mark is cleared. `actor` defaults to whoever asked for the regeneration.
    """
    now = utcnow()
    repo.write_lock(session)
    who = actor or _requester(session, job.draft_id)
    wish = clean_instruction(instruction)
    if outcome is None or job.state not in repo.REVIEWABLE:
        repo.clear_regenerating(session, job.draft_id, job.version, now)
        current = repo.reload(session, job.draft_id)
        state = current.state if current is not None else job.state
        why = (
            "no regeneration of this text is waiting (done already, or not asked for)"
            if state in repo.REVIEWABLE
            else f"the draft is {state}"
        )
        return DecisionOutcome(
            False, job.draft_id, state, None, None, [], f"{why}; not regenerated"
        )
    if outcome.failure or outcome.state is None:
        repo.clear_regenerating(session, job.draft_id, job.version, now)
        audit.record(
            session,
            actor=who.id,
            action=REGENERATION_FAILED,
            entity_type=ENTITY,
            entity_id=job.draft_id,
            from_state=job.state,
            to_state=job.state,
            data={"instruction": wish, "reason": outcome.failure},
            at=now,
        )
        return DecisionOutcome(
            False,
            job.draft_id,
            job.state,
            who.id,
            now,
            [],
            f"regeneration failed ({outcome.failure}); the previous text stands",
        )
    document = outcome.findings_document()
    document["instruction"] = wish
    subject = outcome.subject if job.channel == "email" else None
    applied = repo.transition(
        session,
        job.draft_id,
        from_states=repo.REVIEWABLE,
        version=job.version,
        values={
            "state": outcome.state,
            "body": outcome.body,
            "subject": subject,
            "findings": document,
            "prompt_version": outcome.prompt_version,
            "model": outcome.model,
            "tokens_in": Draft.tokens_in + outcome.tokens_in,
            "tokens_out": Draft.tokens_out + outcome.tokens_out,
            "attempts": Draft.attempts + outcome.attempts,
            "regenerating_at": None,
        },
        now=now,
        require_idle=False,
    )
    if not applied:
        current = repo.reload(session, job.draft_id)
        return DecisionOutcome(
            False,
            job.draft_id,
            current.state if current is not None else job.state,
            current.decided_by if current is not None else None,
            current.decided_at if current is not None else None,
            [],
            "the draft changed while it was regenerated; the new text was discarded",
        )
    audit.record(
        session,
        actor=who.id,
        action=REGENERATED,
        entity_type=ENTITY,
        entity_id=job.draft_id,
        from_state=job.state,
        to_state=outcome.state,
        data={
            "instruction": wish,
            "before": text_of(job.body, job.subject),
            "after": text_of(outcome.body, subject),
            "version": job.version + 1,
            "findings": [f.code for f in outcome.findings],
            "model": outcome.model,
        },
        at=now,
    )
    return DecisionOutcome(
        True,
        job.draft_id,
        outcome.state,
        who.id,
        now,
        outcome.findings,
        "regenerated" + (" (blocked by guardrails: edit it)" if blocking(outcome.findings) else ""),
    )


def regenerate(
    session: Session,
    draft_id: int,
    instruction: str | None = None,
    *,
    build_drafter: DrafterFactory,
    actor: Actor | None = None,
    brand: Brand | None = None,
    settings: Settings | None = None,
) -> DecisionOutcome:
    """Write the draft again through the drafting pipeline, with the reviewer's instruction.

    All in the caller's unit of work, which stays open while the drafter works (on SQLite it
    holds the write lock): background jobs use the task `REGENERATE`, which drafts
    between two short units of work. The drafter comes from `build_drafter` (the entry
    point passes `assistant.wiring.build_drafter`), built only when there is work for it.
    """
    repo.write_lock(session)
    job = prepare_regeneration(session, draft_id)
    outcome = None
    if job.state in repo.REVIEWABLE:
        outcome = run_sync(
            redraft_with(
                job, instruction, build_drafter=build_drafter, brand=brand, settings=settings
            )
        )
    return apply_regeneration(session, job, outcome, instruction=instruction, actor=actor)
