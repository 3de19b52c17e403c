"""Messages in and out, and the conversations they belong to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped


class Conversation(Timestamped, Base):
    """A customer's thread with the brand on one channel, mirrored in a Slack thread."""

    __tablename__ = "conversations"
    __table_args__ = (Index(None, "customer_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    # open | closed
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_thread_ts: Mapped[str | None] = mapped_column(String(32))
    last_inbound_at: Mapped[datetime | None]
    last_outbound_at: Mapped[datetime | None]


class Message(Timestamped, Base):
    """One SMS or email, outbound (from an approved draft) or inbound (a customer reply)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index(None, "customer_id", "channel", "sent_at"),
        Index(None, "status", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Written before the provider is called; a retry finds this row instead of sending again.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    provider_message_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(8))  # outbound | inbound
    channel: Mapped[str] = mapped_column(String(16))  # sms | email | webhook
    # marketing (capped) | conversation (exempt from caps) | system (consent confirmations)
    kind: Mapped[str] = mapped_column(String(16), default="marketing")
    # scheduled | sending | sent | delivered | undelivered | failed | cancelled | received
    status: Mapped[str] = mapped_column(String(16))
    to_address: Mapped[str | None] = mapped_column(String(320))
    from_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    scheduled_for: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the first provider attempt began: reconciliation looks for the message from then on.
    first_attempt_at: Mapped[datetime | None]
    # The provider's latest status word (queued, sent, delivered, ...), from callbacks.
    provider_status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    # How a marketing message's time was chosen (docs/send-time.md): learned | segment | brand |
    # none | holdout | fixed; NULL for replies, system messages and when send-time is off.
    send_time: Mapped[str | None] = mapped_column(String(16))
    # An inbound email's own Message-ID header (docs/email.md): an approved reply answers it
    # with In-Reply-To so it threads in the customer's mailbox. Ours are in provider_message_id.
    email_message_id: Mapped[str | None] = mapped_column(String(300))
