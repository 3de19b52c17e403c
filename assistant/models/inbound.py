"""Inbound SMS from numbers no customer has: kept (and flagged) until someone looks."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped


class UnmatchedInbound(Timestamped, Base):
    """An inbound SMS whose sender matches no customer's phone (a message needs a customer)."""

    __tablename__ = "unmatched_inbound"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Twilio's MessageSid: a retried webhook finds this row instead of storing it twice.
    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms", server_default="sms")
    from_address: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str | None] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text, default="")
    # opt_out | opt_in | help | message: what the text asked for (consent applies by number).
    intent: Mapped[str] = mapped_column(String(16))
    # flagged (for staff to look at) | resolved
    status: Mapped[str] = mapped_column(String(16), default="flagged", server_default="flagged")
    # The TwiML answer given, so a retried webhook gets the same one.
    reply_body: Mapped[str | None] = mapped_column(Text)
