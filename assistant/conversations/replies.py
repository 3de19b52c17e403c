"""Replying from the terminal through the same service path as Slack.

Approving or editing a suggestion is `assistant.review.service.decide` followed by
`service.send_after_commit`, exactly as Slack's Approve and Edit; a reply of one's own is
`service.staff_reply`, as Slack's Reply. Before either, the reply rules are checked once
more (an opted-out or suppressed customer is refused with the reason), and a suggestion
that changed since it was shown is not approved blind. Services flush; callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.conversations import service
from assistant.conversations.facts import CHANNEL, reply_facts
from assistant.conversations.views import reply_problem
from assistant.drafting.brand import load_brand
from assistant.drafting.guardrails import Finding, check_draft
from assistant.jobs.runners import TaskRunner
from assistant.models import Conversation, Customer, Draft, Message
from assistant.models.base import utcnow
from assistant.review import repository as review_repo
from assistant.review import service as review_service
from assistant.review.actors import Actor
from assistant.review.outcomes import normalised


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of a reply: `applied` False changed nothing and `message` says why."""

    applied: bool
    message: str
    draft_id: int | None = None
    findings: list[Finding] = field(default_factory=list)


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise service.ConversationNotFound(f"no conversation {conversation_id}")
    return conversation


def refusal(session: Session, conversation: Conversation) -> str | None:
    """Why nothing may be sent in this conversation now (None: a reply may go out)."""
    customer = session.get_one(Customer, conversation.customer_id)
    problem = reply_problem(session, customer, conversation.channel)
    return f"cannot text this customer ({problem}); nothing was sent" if problem else None


def decide_suggestion(
    session: Session,
    conversation_id: int,
    draft_id: int,
    actor: Actor,
    *,
    version: int | None = None,
    body: str | None = None,
    runner: TaskRunner | None = None,
) -> ReplyOutcome:
    """Approve the suggestion `draft_id` as shown (`body` None) or edited, and send it once.

    `version` is the suggestion's version the person saw: a newer text is not approved.
    """
    draft = review_repo.lock_draft(session, draft_id)
    if draft is None or draft.conversation_id != conversation_id:
        return ReplyOutcome(False, f"no suggested reply {draft_id} in this conversation")
    if version is not None and draft.state in review_repo.REVIEWABLE and draft.version != version:
        return ReplyOutcome(False, "the suggestion changed since it was shown; look again")
    refused = refusal(session, _conversation(session, conversation_id))
    if refused is not None:
        return ReplyOutcome(False, refused, draft_id)
    outcome = review_service.decide(
        session,
        draft_id,
        action="approve" if body is None else "edit",
        actor=actor,
        body=body,
    )
    if outcome.applied:
        service.send_after_commit(session, [draft_id], runner)
    return ReplyOutcome(outcome.applied, outcome.message, draft_id, list(outcome.findings))


def write_reply(
    session: Session,
    conversation_id: int,
    actor: Actor,
    text: str,
    *,
    runner: TaskRunner | None = None,
) -> ReplyOutcome:
    """A reply `actor` wrote: `service.staff_reply`, the same as Slack's Reply."""
    result = service.staff_reply(session, conversation_id, actor, text, runner=runner)
    return ReplyOutcome(result.applied, result.message, result.draft_id, list(result.findings))


def preview(
    session: Session, conversation_id: int, text: str, *, draft_id: int | None = None
) -> list[Finding]:
    """The guardrails' findings for `text` before it is sent: against the suggestion's fact
    receipt (an edit) or the conversation's facts (one's own reply), as the send path does."""
    brand = load_brand()
    if draft_id is not None:
        facts = session.get_one(Draft, draft_id).facts
    else:
        facts = reply_facts(
            session, _conversation(session, conversation_id), brand=brand, now=utcnow()
        )
    return check_draft(
        channel=CHANNEL,
        body=normalised(text),
        facts=facts,
        policy=review_service.guardrail_policy(session, brand),
    )


def delivery_state(session: Session, draft_id: int) -> str | None:
    """The outbox message of a reply: its status (and why, when it did not go out)."""
    message = session.execute(
        select(Message).where(Message.draft_id == draft_id).order_by(Message.id.desc()).limit(1)
    ).scalar_one_or_none()
    if message is None:
        return None
    return message.status + (f" ({message.error_code})" if message.error_code else "")
