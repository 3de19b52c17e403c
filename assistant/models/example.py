"""Examples learned from staff edits: anonymised approved texts, per playbook and channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, utcnow


class DraftExample(Base):
    """One anonymised text a reviewer wrote by editing a draft before approving it.

    `fingerprint` (hash of the normalised anonymised text) is unique per playbook and
    channel, so the same edit is stored once; a removed example keeps its row (and so its
    fingerprint), which is what stops the same edit from coming back.
    """

    __tablename__ = "draft_examples"
    __table_args__ = (
        UniqueConstraint("playbook", "channel", "fingerprint"),
        Index(None, "playbook", "channel", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    playbook: Mapped[str] = mapped_column(String(32))
    # How it was written: sms or email (a webhook message is written as an SMS).
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(71))
    source_draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[str | None] = mapped_column(String(100))
