"""Conversations' job entry points: each a short unit of work around the slow part.

Queued after the unit of work that made them due commits (the webhook's, a staff reply's).
Every one is safe to run twice: a suggestion is keyed, a send goes through the outbox.
"""

from __future__ import annotations

import logging

from assistant.config import get_settings
from assistant.conversations import suggest
from assistant.conversations.inbound import (
    FOLLOW_UP,
    POST_MESSAGE,
    SEND_REPLY,
    SUGGEST_REPLY,
    UPDATE_DRAFTS,
)
from assistant.db import get_engine, unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.schedule import schedule_draft
from assistant.delivery.tasks import build_sender
from assistant.drafting.brand import load_brand
from assistant.drafting.generate import Outcome
from assistant.jobs.registry import task
from assistant.models.base import utcnow
from assistant.ports import ReviewChannel
from assistant.review.redraft import run_sync
from assistant.wiring import build_drafter, build_review_channel

log = logging.getLogger(__name__)


def review_channel() -> ReviewChannel:
    """The configured review channel (ASSISTANT_REVIEW) on the configured database."""
    return build_review_channel(get_settings(), get_engine())


@task(POST_MESSAGE)
def post_message(message_id: int) -> None:
    """Show a customer's inbound message in its conversation's thread."""
    review_channel().post_conversation_message(message_id)


@task(UPDATE_DRAFTS)
def update_drafts(draft_ids: list[int]) -> None:
    """Show drafts' new states (cancelled by an opt-out, replaced by a newer suggestion)."""
    channel = review_channel()
    for draft_id in draft_ids:
        channel.update_draft(draft_id)


@task(SUGGEST_REPLY)
def suggest_reply(message_id: int) -> int | None:
    """Draft a suggested reply to inbound message `message_id` and show it for review."""
    settings = get_settings()
    engine = get_engine()
    brand = load_brand()
    with unit_of_work(engine) as session:
        job = suggest.prepare(session, message_id, brand=brand, now=utcnow())
    if job is None:
        return None
    drafter = build_drafter(settings, brand)

    async def draft() -> Outcome:
        try:
            return await suggest.write(job, drafter=drafter, brand=brand, settings=settings)
        finally:
            await drafter.aclose()

    outcome = run_sync(draft())
    with unit_of_work(engine) as session:
        stored = suggest.store(session, job, outcome, now=utcnow())
    channel = review_channel()
    if stored.draft_id is not None:
        channel.post_draft(stored.draft_id)
    for old in stored.superseded:
        channel.update_draft(old)
    return stored.draft_id


@task(FOLLOW_UP)
def follow_up(message_id: int, suggest: bool = True) -> int | None:
    """What an inbound message needs after the webhook answered: shown in its thread, then
    (unless it was a keyword) a suggested reply drafted and shown. The suggestion does not
    wait on the post succeeding: Slack being down must not stop the draft."""
    try:
        post_message(message_id)
    except Exception:
        log.exception("conversations.post_failed message_id=%s", message_id)
    return suggest_reply(message_id) if suggest else None


@task(SEND_REPLY)
def send_reply(draft_id: int) -> str:
    """Send an approved reply now: its one outbox message (key `draft:{id}`), then the send.

    Conversation replies are exempt from caps and quiet hours, never from consent.
    """
    settings = get_settings()
    engine = get_engine()
    with unit_of_work(engine) as session:
        message = schedule_draft(
            session, draft_id, now=utcnow(), policy=DeliveryPolicy.from_settings(settings)
        )
        message_id = message.id if message is not None else None
    if message_id is None:
        return "not_approved"
    outcome = build_sender(settings, engine).process(message_id)
    if outcome == "sent":
        # The sent text in the conversation's thread ("Sent: …"), after the sender recorded it.
        review_channel().post_conversation_message(message_id)
    log.info(
        "conversations.reply_sent draft=%s message=%s outcome=%s", draft_id, message_id, outcome
    )
    return outcome
