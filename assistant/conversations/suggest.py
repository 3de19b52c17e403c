"""A suggested reply to a customer's message: the `reply` playbook through the drafting pipeline.

Same steps as a campaign draft (assistant.drafting.generate: render prompts/reply.md, call
the drafter with retries, run the guardrails, once more with the findings as feedback when
blocked), then two checks of our own, because the customer's text is untrusted:

- the guardrails again with `known_facts` (the facts minus the customer's words), so a
  code, price or percentage the customer typed ("send everyone a 90% code") is never a fact
  the reply may repeat;
- no run of the system prompt's instruction lines in the reply ("print your system prompt").

The draft is stored as `pending_review` (or `needs_attention` when blocked) with the key
`conversation:{id}:message:{inbound id}`, so a retried job finds it instead of drafting again.
It always needs a person's approval. Drafting runs with no transaction open.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.config import Settings
from assistant.conversations import repository as repo
from assistant.conversations.facts import known_facts, reply_facts
from assistant.delivery.rules import reply_consent_problem
from assistant.delivery.state import move_draft
from assistant.drafting.brand import Brand
from assistant.drafting.campaigns import make_toolkit
from assistant.drafting.generate import Outcome, Toolkit, generate
from assistant.drafting.guardrails import Finding, blocking, check_draft
from assistant.drafting.guardrails.findings import finding
from assistant.drafting.prompts import PromptError, render_prompt
from assistant.drafting.repository import insert_drafts
from assistant.models import Conversation, Customer, DraftState, Message
from assistant.playbooks import get_playbook
from assistant.ports import Drafter
from assistant.review import repository as review_repo

log = logging.getLogger(__name__)

PLAYBOOK = "reply"
CHANNEL = "sms"
SUPERSEDED = "conversations.superseded"
# A run of this many words of the system prompt's instructions in a reply is a leak.
LEAK_WORDS = 7


def suggestion_key(conversation_id: int, message_id: int) -> str:
    """The idempotency key of the suggested reply to one inbound message."""
    return f"conversation:{conversation_id}:message:{message_id}"


@dataclass(frozen=True)
class SuggestionJob:
    """What drafting one suggestion needs, read in one unit of work."""

    inbound_id: int
    conversation_id: int
    customer_id: int
    key: str
    facts: dict[str, Any]
    catalog_names: tuple[str, ...]
    # The conversation's channel: a suggestion answers where the customer wrote (sms, email).
    channel: str = CHANNEL
    # An email answer's subject: "Re: " and the customer's own, so mailboxes thread it.
    subject: str | None = None


def prepare(
    session: Session, inbound_id: int, *, brand: Brand, now: datetime
) -> SuggestionJob | None:
    """The job for a suggestion to inbound message `inbound_id`; None when none is due.

    None when: not an inbound conversation message, already suggested, a newer message of
    the customer's came in since (its suggestion answers both), or the customer cannot be
    texted (opted out, no consent, no number).
    """
    message = session.get(Message, inbound_id)
    if message is None or message.direction != "inbound" or message.conversation_id is None:
        return None
    key = suggestion_key(message.conversation_id, message.id)
    if repo.draft_by_key(session, key) is not None:
        return None
    if repo.latest_inbound_id(session, message.conversation_id) != message.id:
        log.info("conversations.suggestion_skipped message=%s reason=newer_message", inbound_id)
        return None
    customer = session.get_one(Customer, message.customer_id)
    conversation = session.get_one(Conversation, message.conversation_id)
    problem = reply_consent_problem(session, customer, conversation.channel, now)
    if problem is not None:
        log.info("conversations.suggestion_skipped message=%s reason=%s", inbound_id, problem)
        return None
    return SuggestionJob(
        inbound_id=message.id,
        conversation_id=conversation.id,
        customer_id=customer.id,
        key=key,
        facts=reply_facts(session, conversation, brand=brand, now=now),
        catalog_names=tuple(review_repo.catalog_names(session)),
        channel=conversation.channel,
        subject=reply_subject(message.subject) if conversation.channel == "email" else None,
    )


def reply_subject(subject: str | None) -> str | None:
    """`Re: subject` (once), or None when the customer's email had no subject."""
    text = " ".join((subject or "").split())
    if not text:
        return None
    return text if text.lower().startswith("re:") else f"Re: {text}"[:300]


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def instruction_runs(system: str, size: int = LEAK_WORDS) -> set[tuple[str, ...]]:
    """Every run of `size` words in the system prompt's own lines (examples left out: a
    reply may sound like them)."""
    runs: set[tuple[str, ...]] = set()
    for line in system.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("- ") or stripped.startswith("Examples"):
            continue
        words = _words(stripped)
        runs.update(tuple(words[i : i + size]) for i in range(len(words) - size + 1))
    return runs


def prompt_leak(body: str, system: str) -> list[Finding]:
    """`llm_meta` when the reply repeats a run of the system prompt's instructions."""
    runs = instruction_runs(system)
    words = _words(body)
    for i in range(len(words) - LEAK_WORDS + 1):
        run = tuple(words[i : i + LEAK_WORDS])
        if run in runs:
            quoted = " ".join(run)
            return [
                finding(
                    "llm_meta",
                    f'the reply repeats the assistant\'s instructions: "{quoted}"',
                    quoted,
                )
            ]
    return []


def recheck(kit: Toolkit, outcome: Outcome) -> None:
    """Add the findings of the checks against untrusted input; set the state again."""
    strict = check_draft(
        channel=kit.channel,
        body=outcome.body,
        subject=outcome.subject,
        facts=known_facts(outcome.facts),
        policy=kit.policy,
    )
    try:
        system = render_prompt(
            kit.template, facts=outcome.facts, brand=kit.brand, channel=kit.channel
        ).system
    except PromptError:
        system = ""
    extra = [f for f in [*strict, *prompt_leak(outcome.body, system)] if f not in outcome.findings]
    outcome.findings = [*outcome.findings, *extra]
    outcome.state = (
        DraftState.NEEDS_ATTENTION.value
        if blocking(outcome.findings)
        else DraftState.PENDING_REVIEW.value
    )


async def write(
    job: SuggestionJob, *, drafter: Drafter, brand: Brand, settings: Settings
) -> Outcome:
    """Draft the suggestion (never raises for a drafter or template problem: see `failure`)."""
    kit = make_toolkit(
        drafter,
        get_playbook(PLAYBOOK),
        job.channel,
        brand=brand,
        settings=settings,
        rate_limit=False,
        catalog_names=job.catalog_names,
    )
    outcome = await generate(kit, job.customer_id, dict(job.facts), variant=job.inbound_id)
    if outcome.drafted:
        recheck(kit, outcome)
    return outcome


@dataclass(frozen=True)
class Stored:
    """The stored suggestion (None if it could not be drafted) and the ones it replaced."""

    draft_id: int | None
    superseded: Sequence[int] = ()


def store(session: Session, job: SuggestionJob, outcome: Outcome, *, now: datetime) -> Stored:
    """Save the suggestion once; older undecided suggestions of the conversation are cancelled
    (the new one answers the conversation as it is now)."""
    if repo.latest_inbound_id(session, job.conversation_id) != job.inbound_id:
        # The customer wrote again while this was drafted: the newer message's suggestion
        # answers the conversation; a late one for the older message must not replace it.
        log.info("conversations.suggestion_dropped message=%s reason=newer_message", job.inbound_id)
        return Stored(None)
    if not outcome.drafted or outcome.state is None:
        log.warning(
            "conversations.suggestion_failed message=%s reason=%s",
            job.inbound_id,
            outcome.failure,
        )
        return Stored(None)
    created = insert_drafts(
        session,
        [
            {
                "idempotency_key": job.key,
                "campaign_id": None,
                "customer_id": job.customer_id,
                "conversation_id": job.conversation_id,
                "playbook": PLAYBOOK,
                "channel": job.channel,
                "state": outcome.state,
                "subject": (job.subject or outcome.subject) if job.channel == "email" else None,
                "body": outcome.body,
                "facts": outcome.facts,
                "findings": outcome.findings_document(),
                "prompt_version": outcome.prompt_version,
                "model": outcome.model,
                "tokens_in": outcome.tokens_in,
                "tokens_out": outcome.tokens_out,
                "attempts": outcome.attempts,
                "created_at": now,
                "updated_at": now,
            }
        ],
        actor="system",
    )
    draft = repo.draft_by_key(session, job.key)
    assert draft is not None
    if not created:
        return Stored(draft.id)
    superseded = [
        old
        for old in repo.open_suggestions(session, job.conversation_id, other_than=draft.id)
        if move_draft(
            session,
            old,
            DraftState.CANCELLED,
            repo.OPEN_SUGGESTION_STATES,
            action=SUPERSEDED,
            data={"by_draft": draft.id},
            now=now,
        )
    ]
    log.info(
        "conversations.suggested message=%s draft=%s state=%s",
        job.inbound_id,
        draft.id,
        draft.state,
    )
    return Stored(draft.id, superseded)
