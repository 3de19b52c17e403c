"""`/api/v1/conversations`: list them, read one thread, reply in it.

The same conversations and reply path as `assistant conversations` and Slack
(assistant.conversations.replies): a reply is checked against consent and the suppression
list first (409 with the reason), then approved through review or `service.staff_reply`
(guardrails: a blocking finding is a 422 naming each finding). The send is the
`conversations.send_reply` task, queued once the reply is committed and handed to the job
runner after the response has gone out: nothing is sent inside the request.

Message texts are returned as data, exactly as stored: a customer's text is theirs, never
an instruction, and a client must not render it as markup.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.api.deps import ReviewKey, SessionDep, key_actor
from assistant.api.pagination import (
    CursorPage,
    CursorParam,
    LimitParam,
    decode_cursor,
    next_cursor,
)
from assistant.api.params import IdPath
from assistant.api.problems import problem
from assistant.conversations import replies, views
from assistant.conversations.routes import dispatch
from assistant.conversations.service import MAX_CHARS
from assistant.db import get_engine, unit_of_work
from assistant.delivery.messages import UnknownCustomer, customer_pk
from assistant.drafting.guardrails import Finding
from assistant.jobs.runners import CollectingRunner
from assistant.models import Conversation, Customer, Draft
from assistant.review.actors import Actor
from assistant.values import CleanText

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])


class ConversationRead(BaseModel):
    """A conversation as listed."""

    id: int
    customer_id: str
    first_name: str | None
    channel: str
    status: str
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    needs_reply: bool = Field(description="Open, and the customer wrote after our last message.")
    suggestion_id: int | None = Field(description="A suggested reply waiting for a decision.")


class ConversationsPage(CursorPage):
    """One page of conversations, newest first."""

    conversations: list[ConversationRead]


class FindingRead(BaseModel):
    """A guardrail finding on a reply."""

    code: str
    severity: str
    message: str
    excerpt: str | None


class LineRead(BaseModel):
    """One message of the thread; `body` is the text as stored (data, not markup)."""

    id: int
    at: datetime | None
    direction: str
    kind: str
    state: str
    body: str
    note: str | None
    draft_id: int | None
    # `possible_opt_out`: close to an opt-out but not one; read it before replying.
    flag: str | None = None


class SuggestionRead(BaseModel):
    """The suggested reply waiting: approve it with its `id` and `version`."""

    id: int
    state: str
    version: int
    body: str
    findings: list[FindingRead]
    reviewable: bool


class ReplyDraftRead(BaseModel):
    """A reply of the conversation, suggested or written by staff, and its state."""

    id: int
    source: str
    state: str
    version: int
    decided_by: str | None


class ThreadRead(BaseModel):
    """One conversation: the messages in order, the suggestion waiting, every reply draft."""

    id: int
    customer_id: str
    first_name: str | None
    channel: str
    status: str
    can_reply: bool
    blocked_reason: str | None
    messages: list[LineRead]
    suggestion: SuggestionRead | None
    replies: list[ReplyDraftRead]


class ReplyBody(BaseModel):
    """Your own reply (`text`), or a suggestion approved as shown (`draft_id` and the
    `version` you saw) or edited (also `text`)."""

    text: CleanText | None = Field(None, min_length=1, max_length=MAX_CHARS)
    draft_id: int | None = None
    version: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        if self.text is not None and not self.text.strip():
            raise ValueError("`text` is blank: write the reply, or approve a suggestion")
        if self.draft_id is None and self.text is None:
            raise ValueError(
                "give `text` (your reply), or `draft_id` and `version` (approve a suggestion)"
            )
        if self.draft_id is not None and self.version is None:
            raise ValueError(
                "`version` is required with `draft_id`: the suggestion's version you saw "
                "(GET the conversation), so a changed suggestion is not approved blind"
            )
        return self


class ReplyRead(BaseModel):
    """The approved reply, queued to be sent; its guardrail findings (none blocking)."""

    draft_id: int
    message: str
    findings: list[FindingRead]


def _finding(item: Finding) -> FindingRead:
    return FindingRead(**item.as_dict())


@router.get("", response_model=ConversationsPage)
def list_conversations(
    _key: ReviewKey,
    session: SessionDep,
    status_: Annotated[
        Literal["open", "closed"] | None, Query(alias="status", description="open or closed.")
    ] = None,
    needs_reply: Annotated[
        bool | None, Query(description="Only those where the customer wrote last (or not).")
    ] = None,
    customer_id: Annotated[
        str | None, Query(max_length=64, description="The customer's id from the import.")
    ] = None,
    cursor: CursorParam = None,
    limit: LimitParam = 50,
) -> ConversationsPage:
    """Conversations, newest first; 404 for an unknown customer."""
    before = decode_cursor(cursor)
    try:
        pk = customer_pk(session, customer_id) if customer_id is not None else None
    except UnknownCustomer as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    items = views.conversation_page(
        session,
        status=status_,
        needing_reply=needs_reply,
        customer_pk=pk,
        before=before,
        limit=limit,
    )
    return ConversationsPage(
        conversations=[ConversationRead(**vars(item)) for item in items],
        next_cursor=next_cursor(items, limit, key=lambda item: item.id),
    )


def _thread(session: Session, conversation_id: int) -> ThreadRead:
    view = views.thread_view(session, str(conversation_id))
    conversation = session.get(Conversation, conversation_id)
    if view is None or conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    customer = session.get_one(Customer, conversation.customer_id)
    waiting = view.suggestion
    return ThreadRead(
        id=conversation.id,
        customer_id=customer.external_id,
        first_name=customer.first_name,
        channel=view.channel,
        status=view.state,
        can_reply=view.blocked_reason is None,
        blocked_reason=view.blocked_reason,
        messages=[LineRead(**vars(line)) for line in view.lines],
        suggestion=None
        if waiting is None
        else SuggestionRead(
            id=waiting.id,
            state=waiting.state,
            version=waiting.version,
            body=waiting.body,
            findings=[_finding(f) for f in waiting.findings],
            reviewable=waiting.reviewable,
        ),
        replies=[ReplyDraftRead(**vars(d)) for d in views.reply_drafts(session, conversation_id)],
    )


@router.get("/{conversation_id}", response_model=ThreadRead)
def get_conversation(conversation_id: IdPath, _key: ReviewKey, session: SessionDep) -> ThreadRead:
    """The thread in order, the suggested reply waiting, and whether a reply may go out."""
    return _thread(session, conversation_id)


def _reply(
    engine: Engine,
    conversation_id: int,
    body: ReplyBody,
    actor: Actor,
    runner: CollectingRunner,
) -> replies.ReplyOutcome:
    with unit_of_work(engine) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
        refused = replies.refusal(session, conversation)
        if refused is not None:
            raise HTTPException(status.HTTP_409_CONFLICT, refused)
        if body.draft_id is None:
            assert body.text is not None
            return replies.write_reply(session, conversation_id, actor, body.text, runner=runner)
        draft = session.get(Draft, body.draft_id)
        if draft is None or draft.conversation_id != conversation_id:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"no suggested reply {body.draft_id} in conversation {conversation_id}",
            )
        return replies.decide_suggestion(
            session,
            conversation_id,
            body.draft_id,
            actor,
            version=body.version,
            body=body.text,
            runner=runner,
        )


@router.post(
    "/{conversation_id}/reply",
    response_model=ReplyRead,
    status_code=status.HTTP_202_ACCEPTED,
)
async def reply(
    conversation_id: IdPath,
    body: ReplyBody,
    request: Request,
    background: BackgroundTasks,
    key: ReviewKey,
) -> Any:
    """Send your reply, or approve (or edit) the suggestion: 202 once it is approved and
    queued; 409 when the customer cannot be texted or the suggestion was decided or changed,
    422 when guardrails block the text."""
    engine: Engine = request.app.state.engine or get_engine()
    runner = CollectingRunner()
    outcome = await asyncio.to_thread(_reply, engine, conversation_id, body, key_actor(key), runner)
    if not outcome.applied:
        blocked = [f for f in outcome.findings if f.severity == "block"]
        if blocked:
            errors = [{"loc": ["body", "text"], "msg": f"{f.code}: {f.message}"} for f in blocked]
            return problem(422, outcome.message, errors=errors)
        raise HTTPException(status.HTTP_409_CONFLICT, outcome.message)
    assert outcome.draft_id is not None
    # Committed: hand the send to the job runner once the response has gone out.
    background.add_task(dispatch, runner.jobs)
    return ReplyRead(
        draft_id=outcome.draft_id,
        message=outcome.message,
        findings=[_finding(f) for f in outcome.findings],
    )
