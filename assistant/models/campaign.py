"""Campaigns (bulk drafting for a segment), their member snapshot and the drafts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped


class DraftState(StrEnum):
    """A draft's life; every transition is an audit-log row (see assistant.review)."""

    GENERATED = "generated"
    PENDING_REVIEW = "pending_review"
    NEEDS_ATTENTION = "needs_attention"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class CampaignStatus(StrEnum):
    """Where a campaign stands; paused and cancelled are set by people, the rest by runs."""

    CREATED = "created"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    PAUSED = "paused"
    CANCELLED = "cancelled"


# A campaign in one of these is not drafted, and its messages are not sent.
HALTED_STATUSES = (CampaignStatus.PAUSED.value, CampaignStatus.CANCELLED.value)


class Campaign(Timestamped, Base):
    """One bulk run of a playbook over a segment."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    playbook: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    # A CampaignStatus; `options` keeps who paused or cancelled it, when and why.
    status: Mapped[str] = mapped_column(String(16), default="created", server_default="created")
    created_by: Mapped[str | None] = mapped_column(String(100))
    options: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    completed_at: Mapped[datetime | None]
    # The campaign's parent message in Slack (drafts are threaded under it); claimed before
    # it is posted so it is never posted twice (connectors/slack/ledger.py).
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    slack_claimed_at: Mapped[datetime | None]
    # The trigger whose occasions of one day this campaign drafts (None: made by a person).
    trigger: Mapped[str | None] = mapped_column(String(64))


class CampaignMember(Base):
    """A customer in a campaign's segment snapshot, with why they qualified."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "customer_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    qualifier: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # pending | drafted | skipped | failed
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    skip_reason: Mapped[str | None] = mapped_column(String(64))


class Draft(Timestamped, Base):
    """One message written for one customer, waiting for (or past) a person's decision."""

    __tablename__ = "drafts"
    __table_args__ = (
        Index(None, "state"),
        Index(None, "customer_id", "created_at"),
        Index(None, "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One draft per campaign and customer (or per conversation turn): retries find it.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    playbook: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(24), default=DraftState.GENERATED)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # The fact receipt: everything the draft was allowed to use.
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    findings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    prompt_version: Mapped[str | None] = mapped_column(String(32))
    model: Mapped[str | None] = mapped_column(String(100))
    tokens_in: Mapped[int] = mapped_column(default=0, server_default="0")
    tokens_out: Mapped[int] = mapped_column(default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    original_body: Mapped[str | None] = mapped_column(Text)
    edit_distance: Mapped[int | None]
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    # When a poster claimed the card's post; slack_ts stays NULL until it is posted.
    slack_claimed_at: Mapped[datetime | None]
    # Optimistic lock for "first decision wins".
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Set while a reviewer's regeneration runs: no decision on the text about to be replaced.
    regenerating_at: Mapped[datetime | None]
    # The A/B variant of the playbook this draft was written with (prompts/variants.yaml);
    # NULL when the playbook has no variants. A regeneration keeps it.
    variant: Mapped[str | None] = mapped_column(String(40))
