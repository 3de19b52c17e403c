"""Provider status updates: callbacks (and send results) move a message forward, never back.

Twilio's callbacks may repeat and arrive out of order (protocol-facts.md). Each provider
status has a rank; an update applies only when it ranks above the message's current one, so
a duplicate changes nothing, a late `sent` after `delivered` is ignored, and a terminal state
(delivered, undelivered, failed) is never replaced by another terminal one (the first
terminal word wins; only `read` may still follow `delivered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.delivery.state import follow_message, rowcount
from assistant.models import Message

# Provider status word → (rank, our message status).
PROVIDER_STATUSES: dict[str, tuple[int, str]] = {
    "accepted": (1, "sent"),
    "scheduled": (1, "sent"),
    "queued": (1, "sent"),
    "sending": (2, "sent"),
    "sent": (3, "sent"),
    "delivered": (4, "delivered"),
    "undelivered": (4, "undelivered"),
    "failed": (4, "failed"),
    "canceled": (4, "failed"),
    "partially_delivered": (4, "delivered"),
    "read": (5, "delivered"),
}
# Our message statuses from which provider updates may move a message: a failure is final.
UPDATABLE = ("sent", "delivered")

Applied = Literal["applied", "ignored", "unknown_message", "unknown_status"]


@dataclass(frozen=True)
class StatusUpdate:
    """One provider status report for one provider message id."""

    provider_id: str
    status: str
    error_code: str | None = None
    error_message: str | None = None


def rank_of(provider_status: str | None, status: str) -> int:
    """How far a message has come, from its provider word (or our status without one: a
    message just recorded as sent takes any provider word, even `queued`)."""
    if provider_status and provider_status in PROVIDER_STATUSES:
        return PROVIDER_STATUSES[provider_status][0]
    return 4 if status in ("delivered", "undelivered", "failed") else 0


def apply_status(session: Session, update_: StatusUpdate, *, now: datetime) -> Applied:
    """Apply one status report; safe to repeat and to receive in any order."""
    word = update_.status.strip().lower()
    if word not in PROVIDER_STATUSES:
        return "unknown_status"
    message = session.execute(
        select(Message).where(Message.provider_message_id == update_.provider_id)
    ).scalar_one_or_none()
    if message is None:
        return "unknown_message"
    return advance(
        session,
        message,
        word,
        now=now,
        error_code=update_.error_code,
        error_message=update_.error_message,
    )


def advance(
    session: Session,
    message: Message,
    word: str,
    *,
    now: datetime,
    error_code: str | None = None,
    error_message: str | None = None,
) -> Applied:
    """Move `message` to provider status `word` if that is a step forward."""
    rank, status = PROVIDER_STATUSES[word]
    current_word, current_status = message.provider_status, message.status
    if current_status not in UPDATABLE or rank <= rank_of(current_word, current_status):
        return "ignored"
    values: dict[str, object] = {"provider_status": word, "status": status, "updated_at": now}
    if status == "delivered" and message.delivered_at is None:
        values["delivered_at"] = now
    if status in ("undelivered", "failed"):
        values["error_code"] = error_code or word
        values["error_message"] = error_message
    # Conditional on what we read, so two callbacks racing cannot both apply.
    condition = (
        Message.provider_status.is_(None)
        if current_word is None
        else Message.provider_status == current_word
    )
    result = session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == current_status, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return "ignored"
    session.refresh(message)
    if status != current_status:
        follow_message(session, message, data={"provider_status": word}, now=now)
    return "applied"
