"""Event triggers: each occasion queued once, and the day each daily run happened."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, utcnow


class TriggerOccasion(Base):
    """One (customer, trigger, occasion, sequence step) queued for drafting, exactly once.

    `occasion` names what happened ("order:O-1001", "milestone:orders:10"); step 1 is the
    trigger itself, step 2 and on its follow-ups. `qualifier` is what the campaign member
    got (the facts builder reads it), kept so a follow-up step drafts from the same facts.
    """

    __tablename__ = "trigger_occasions"
    __table_args__ = (
        UniqueConstraint("customer_id", "trigger", "occasion", "step"),
        Index(None, "trigger", "step", "queued_at"),
        Index(None, "campaign_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    trigger: Mapped[str] = mapped_column(String(64))
    occasion: Mapped[str] = mapped_column(String(200))
    step: Mapped[int] = mapped_column(default=1, server_default="1")
    occurred_on: Mapped[date] = mapped_column(Date)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    qualifier: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class TriggerRun(Base):
    """The scheduler's daily run of every trigger: one row per brand-zone day, so a second
    tick (or a second worker) that day finds it and does not run again."""

    __tablename__ = "trigger_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
