"""Which customer email an outgoing email answers, so it threads in their mailbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.models import Message


def in_reply_to(session: Session, conversation_id: int | None) -> str | None:
    """The Message-ID of the customer's latest email in the conversation (None: none kept)."""
    if conversation_id is None:
        return None
    return session.execute(
        select(Message.email_message_id)
        .where(
            Message.conversation_id == conversation_id,
            Message.channel == "email",
            Message.direction == "inbound",
            Message.email_message_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()
