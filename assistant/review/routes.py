"""`/api/v1/drafts`: list and read drafts, and decide on them as Slack and the terminal do.

Each decision is one unit of work around the same review service call the other paths make,
recorded with the actor `api:<key name>`; once it commits, the draft's card is updated on
the review channel (task "conversations.update_drafts"), and a regeneration is queued as the
task "review.regenerate" (a Celery worker with ASSISTANT_BROKER_URL, else in-process after
the commit): the web process never drafts. Errors are problem+json: 404 unknown draft, 409 a
decision the draft's state does not allow (decided, being regenerated, blocked, changed since
`version`), 422 an invalid body or an edit the guardrails block (`errors` lists findings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, status
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.api.pagination import CursorParam, LimitParam, decode_cursor, next_cursor
from assistant.api.params import IdPath, IdQuery
from assistant.config import get_settings
from assistant.conversations import service as conversations
from assistant.conversations.inbound import UPDATE_DRAFTS
from assistant.drafting.detail import UnknownDraft, draft_detail
from assistant.drafting.draft_queries import DraftFilter, drafts_after
from assistant.drafting.guardrails import blocking
from assistant.drafting.schemas import DraftRead
from assistant.jobs.runners import build_runner, enqueue_after_commit
from assistant.models import DraftState
from assistant.models.base import utcnow
from assistant.ports import Channel
from assistant.review import repository as repo
from assistant.review import service
from assistant.review.explain import explain_draft
from assistant.review.outcomes import DecisionOutcome
from assistant.review.regeneration import REGENERATE
from assistant.review.schemas import (
    ApproveRequest,
    Decision,
    DraftDetail,
    DraftList,
    EditRequest,
    OverrideRequest,
    RegenerateRequest,
    RejectRequest,
)

router = APIRouter(prefix="/api/v1/drafts", tags=["drafts"])
Work = Callable[[], DecisionOutcome]


def _not_found(draft_id: int) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no draft {draft_id} (list them with GET /api/v1/drafts)"
    )


def _detail(session: Session, draft_id: int) -> DraftDetail:
    try:
        return DraftDetail.model_validate(draft_detail(session, draft_id))
    except UnknownDraft:
        raise _not_found(draft_id) from None


def _decide(session: Session, draft_id: int, version: int | None, work: Work) -> DecisionOutcome:
    """`work` on the locked draft, unless it is unknown (404) or open for review but no longer
    at the `version` the caller read (409)."""
    draft = repo.lock_draft(session, draft_id)
    if draft is None:
        raise _not_found(draft_id)
    if version is not None and draft.state in repo.REVIEWABLE and draft.version != version:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"draft {draft_id} is at version {draft.version}, not {version}: it was edited, "
            f"regenerated or overridden since you read it; GET /api/v1/drafts/{draft_id} and "
            "decide on its current text. Nothing changed.",
        )
    try:
        return work()
    except service.DraftNotFound:
        raise _not_found(draft_id) from None


def _conflict(outcome: DecisionOutcome, hint: str = "") -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, outcome.message + hint)


def _decided(session: Session, outcome: DecisionOutcome) -> Decision:
    """The answer to an applied decision; the draft's card is updated after the commit (not
    on the terminal channel: nobody watches a server's console)."""
    settings = get_settings()
    if settings.review.channel != "terminal":
        runner = build_runner(settings)
        enqueue_after_commit(session, runner, UPDATE_DRAFTS, draft_ids=[outcome.draft_id])
    return Decision(message=outcome.message, draft=_detail(session, outcome.draft_id))


@router.get("", response_model=DraftList)
def list_drafts(
    _key: ReviewKey,
    session: SessionDep,
    campaign_id: IdQuery = None,
    state: DraftState | None = None,
    playbook: str | None = None,
    channel: Channel | None = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> DraftList:
    """Drafts in id order, optionally of one campaign, state, playbook or channel."""
    after = decode_cursor(cursor)
    wanted = DraftFilter(
        campaign_id=campaign_id,
        state=state.value if state else None,
        playbook=playbook,
        channel=channel,
    )
    rows = drafts_after(session, wanted, after, limit)
    return DraftList(
        drafts=[DraftRead.of(draft, external) for draft, external in rows],
        next_cursor=next_cursor(rows, limit, lambda row: row[0].id),
    )


@router.get("/{draft_id}", response_model=DraftDetail)
def read_draft(draft_id: IdPath, _key: ReviewKey, session: SessionDep) -> DraftDetail:
    """The draft in full: text, fact receipt, findings, decisions and its message, with the
    explanation a review card shows (why this customer, key metrics, destination, consent,
    guardrails, planned send time)."""
    detail = _detail(session, draft_id)
    explained = explain_draft(session, draft_id, now=utcnow())
    return detail.model_copy(update={"explanation": explained.as_dict() if explained else None})


@router.post("/{draft_id}/approve", response_model=Decision)
def approve(
    draft_id: IdPath,
    key: ReviewKey,
    session: SessionDep,
    body: Annotated[ApproveRequest | None, Body()] = None,
) -> Decision:
    """Approve the draft as it is; the first decision wins."""
    actor = key_actor(key)
    outcome = _decide(
        session,
        draft_id,
        body.version if body else None,
        lambda: service.decide(session, draft_id, action="approve", actor=actor),
    )
    if not outcome.applied:
        blocked = outcome.state == repo.NEEDS_ATTENTION and outcome.decided_by is None
        hint = f", or POST /api/v1/drafts/{draft_id}/override with a reason" if blocked else ""
        raise _conflict(outcome, hint)
    conversations.send_after_commit(session, [draft_id])  # a conversation reply goes out now
    return _decided(session, outcome)


@router.post("/{draft_id}/edit", response_model=Decision)
def edit(draft_id: IdPath, body: EditRequest, key: ReviewKey, session: SessionDep) -> Decision:
    """Replace the text and approve it; the guardrails check the new text first (422 with
    the blocking findings, nothing changed)."""
    actor = key_actor(key)
    outcome = _decide(
        session,
        draft_id,
        body.version,
        lambda: service.decide(
            session, draft_id, action="edit", actor=actor, body=body.body, subject=body.subject
        ),
    )
    if not outcome.applied:
        if outcome.state in repo.REVIEWABLE and blocking(outcome.findings):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                [
                    f"{finding.code}: {finding.message}"
                    for finding in outcome.findings
                    if finding.severity == "block"
                ],
            )
        raise _conflict(outcome)
    conversations.send_after_commit(session, [draft_id])
    return _decided(session, outcome)


@router.post(
    "/{draft_id}/regenerate", response_model=Decision, status_code=status.HTTP_202_ACCEPTED
)
def regenerate(
    draft_id: IdPath,
    key: ReviewKey,
    session: SessionDep,
    body: Annotated[RegenerateRequest | None, Body()] = None,
) -> Decision:
    """Mark the draft as being regenerated (decisions wait) and queue the regeneration;
    GET the draft to see the new text (`regenerating_at` is None again once written)."""
    actor = key_actor(key)
    instruction = body.instruction if body else None
    outcome = _decide(
        session,
        draft_id,
        body.version if body else None,
        lambda: service.request_regeneration(
            session, draft_id, actor=actor, instruction=instruction
        ),
    )
    if not outcome.applied:
        raise _conflict(outcome)
    answer = _decided(session, outcome)  # the card shows "Regenerating" first
    enqueue_after_commit(
        session,
        build_runner(get_settings()),
        REGENERATE,
        draft_id=draft_id,
        instruction=instruction,
        actor_id=actor.id,
    )
    return answer


@router.post("/{draft_id}/reject", response_model=Decision)
def reject(
    draft_id: IdPath,
    key: ReviewKey,
    session: SessionDep,
    body: Annotated[RejectRequest | None, Body()] = None,
) -> Decision:
    """Reject the draft, with an optional reason kept as the decision note."""
    actor = key_actor(key)
    reason = body.reason if body else None
    outcome = _decide(
        session,
        draft_id,
        body.version if body else None,
        lambda: service.decide(session, draft_id, action="reject", actor=actor, reason=reason),
    )
    if not outcome.applied:
        raise _conflict(outcome)
    return _decided(session, outcome)


@router.post("/{draft_id}/override", response_model=Decision)
def override(
    draft_id: IdPath, body: OverrideRequest, key: ReviewKey, session: SessionDep
) -> Decision:
    """Override a blocked draft's findings with a reason, on record; it then waits for
    approval, or is approved at once with `approve: true`. Some findings (invented offers, a
    missing opt-out notice) and an opted-out customer can never be overridden (409)."""
    actor = key_actor(key)
    outcome = _decide(
        session,
        draft_id,
        body.version,
        lambda: service.override(
            session, draft_id, actor=actor, reason=body.reason, codes=body.codes
        ),
    )
    if not outcome.applied:
        raise _conflict(outcome)
    if body.approve:
        approved = service.decide(session, draft_id, action="approve", actor=actor)
        if not approved.applied:
            raise _conflict(approved)
        outcome = replace(approved, message=f"overridden and {approved.message}")
        conversations.send_after_commit(session, [draft_id])
    return _decided(session, outcome)
