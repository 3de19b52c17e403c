"""Staff replies in a conversation, and sending approved replies promptly.

A reply a person types (Slack's "Reply" action) is their approval: it becomes an `approved`
conversation draft after the same guardrails as an edit (a blocking finding refuses it and
changes nothing), and goes out through the delivery outbox like an approved suggestion:
kind `conversation` (exempt from caps and quiet hours, never sent to an opted-out customer),
from the same sender, once. Services flush and never commit; the sends are queued for
after the commit (a rollback drops them).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from assistant.config import get_settings
from assistant.conversations import repository as repo
from assistant.conversations.facts import reply_facts
from assistant.conversations.inbound import SEND_REPLY, UPDATE_DRAFTS
from assistant.conversations.suggest import CHANNEL, PLAYBOOK, SUPERSEDED
from assistant.delivery.rules import reply_consent_problem
from assistant.delivery.state import move_draft
from assistant.drafting.brand import Brand, load_brand
from assistant.drafting.guardrails import Finding, blocking, check_draft
from assistant.jobs.runners import TaskRunner, build_runner, enqueue_after_commit
from assistant.models import Conversation, Customer, Draft, DraftState
from assistant.models.base import utcnow
from assistant.review import audit
from assistant.review.actors import Actor
from assistant.review.outcomes import normalised
from assistant.review.service import guardrail_policy

log = logging.getLogger(__name__)

STAFF_REPLY = "draft.staff_reply"
MAX_CHARS = 1600  # Twilio's limit for one message body


class ConversationNotFound(LookupError):
    """No conversation with that id."""


@dataclass(frozen=True)
class StaffReply:
    """What became of a staff reply: `applied` False changed nothing (`message` says why)."""

    applied: bool
    message: str
    draft_id: int | None = None
    findings: list[Finding] = field(default_factory=list)
    superseded: Sequence[int] = ()


def staff_key(conversation_id: int, actor: Actor, turn: int | None, body: str) -> str:
    """One staff reply per person, text and customer turn: a retried submission finds it."""
    digest = hashlib.sha256(f"{actor.id}\n{turn}\n{body}".encode()).hexdigest()[:24]
    return f"conversation:{conversation_id}:staff:{digest}"


def send_after_commit(
    session: Session, draft_ids: Sequence[int], runner: TaskRunner | None = None
) -> None:
    """Queue the send of approved conversation replies for after the unit of work commits.

    Review calls this after approving or editing a suggestion (otherwise the worker's next
    tick sends it); drafts that are not conversation replies are left to the tick.
    """
    wanted = [
        draft.id
        for draft_id in draft_ids
        if (draft := session.get(Draft, draft_id)) is not None and draft.conversation_id
    ]
    if not wanted:
        return
    active = runner or build_runner(get_settings())
    for draft_id in wanted:
        enqueue_after_commit(session, active, SEND_REPLY, draft_id=draft_id)


def staff_reply(
    session: Session,
    conversation_id: int,
    actor: Actor,
    text: str,
    *,
    brand: Brand | None = None,
    runner: TaskRunner | None = None,
    key: str | None = None,
) -> StaffReply:
    """Approve and queue a reply `actor` typed in conversation `conversation_id`."""
    now = utcnow()
    repo.write_lock(session)
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound(f"no conversation {conversation_id}")
    body = normalised(text)
    if not body:
        return StaffReply(False, "the reply is empty; nothing was sent")
    if len(body) > MAX_CHARS:
        return StaffReply(False, f"the reply is longer than {MAX_CHARS} characters")
    customer = session.get_one(Customer, conversation.customer_id)
    problem = reply_consent_problem(session, customer, CHANNEL, now)
    if problem is not None:
        words = problem.replace("_", " ")
        return StaffReply(False, f"cannot text this customer ({words}); nothing was sent")
    turn = repo.latest_inbound_id(session, conversation_id)
    key = key or staff_key(conversation_id, actor, turn, body)
    existing = repo.draft_by_key(session, key)
    if existing is not None:
        return StaffReply(True, "this reply was already sent", existing.id)
    brand = brand or load_brand()
    facts = reply_facts(session, conversation, brand=brand, now=now)
    findings = check_draft(
        channel=CHANNEL, body=body, facts=facts, policy=guardrail_policy(session, brand)
    )
    if blocking(findings):
        codes = ", ".join(f.code for f in findings if f.severity == "block")
        return StaffReply(
            False, f"the reply is blocked by guardrails ({codes}); nothing was sent", None, findings
        )
    draft = Draft(
        idempotency_key=key,
        customer_id=customer.id,
        conversation_id=conversation_id,
        playbook=PLAYBOOK,
        channel=CHANNEL,
        state=DraftState.APPROVED.value,
        body=body,
        facts=facts,
        findings={"blocked": False, "items": [f.as_dict() for f in findings], "staff": True},
        model="staff",
        decided_by=actor.id,
        decided_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    audit.record(
        session,
        actor=actor.id,
        action=STAFF_REPLY,
        entity_type="draft",
        entity_id=draft.id,
        to_state=DraftState.APPROVED.value,
        data={"conversation_id": conversation_id, "after": {"body": body, "subject": None}},
        at=now,
    )
    superseded = [
        old
        for old in repo.open_suggestions(session, conversation_id, other_than=draft.id)
        if move_draft(
            session,
            old,
            DraftState.CANCELLED,
            repo.OPEN_SUGGESTION_STATES,
            action=SUPERSEDED,
            actor=actor.id,
            data={"by_draft": draft.id},
            now=now,
        )
    ]
    active = runner or build_runner(get_settings())
    send_after_commit(session, [draft.id], active)
    if superseded:
        enqueue_after_commit(session, active, UPDATE_DRAFTS, draft_ids=superseded)
    log.info("conversations.staff_reply conversation=%s draft=%s", conversation_id, draft.id)
    return StaffReply(
        True, f"reply approved by {actor.label}; sending", draft.id, findings, superseded
    )
