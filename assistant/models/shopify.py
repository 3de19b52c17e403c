"""The Shopify connection, the backfill's cursors and the webhooks received (once each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped, utcnow

# received: stored, its task queued | processed: done, payload cleared | ignored: a topic we
# do not handle (no payload kept) | failed: the task raised; payload kept for a retry.
_JSON_OR_NULL = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

WEBHOOK_STATUSES = ("received", "processed", "ignored", "failed")


class ShopifyConnection(Timestamped, Base):
    """A store `assistant shopify connect` checked and stored, shared by every worker."""

    __tablename__ = "shopify_connections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), unique=True)
    # The Admin API access token and the API secret key (SHOPIFY_* settings win over them).
    access_token: Mapped[str] = mapped_column(Text)
    api_secret: Mapped[str | None] = mapped_column(Text)
    shop_name: Mapped[str | None] = mapped_column(String(255))
    api_version: Mapped[str] = mapped_column(String(16))
    # The callback URL webhooks were registered for, and when.
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    webhooks_registered_at: Mapped[datetime | None]


class ShopifySyncState(Timestamped, Base):
    """Where one resource's backfill got to: a re-run after an interruption continues here."""

    __tablename__ = "shopify_sync_state"
    __table_args__ = (UniqueConstraint("shop_domain", "resource"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    # products | customers | orders
    resource: Mapped[str] = mapped_column(String(32))
    # The `--since` of the run this state belongs to (NULL: everything).
    since: Mapped[datetime | None]
    # The last page's endCursor (paginated runs), or the bulk operation's id (bulk runs).
    cursor: Mapped[str | None] = mapped_column(Text)
    bulk_operation_id: Mapped[str | None] = mapped_column(String(255))
    records: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class ShopifyWebhook(Base):
    """One webhook delivery, stored once per `X-Shopify-Event-Id` (retries find this row)."""

    __tablename__ = "shopify_webhooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    # The body until processed (then SQL NULL, not JSON null: it holds personal data).
    payload: Mapped[dict[str, Any] | None] = mapped_column(_JSON_OR_NULL)
    status: Mapped[str] = mapped_column(String(16), default="received", server_default="received")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Why processing failed: an exception class or a short reason, never payload text.
    error: Mapped[str | None] = mapped_column(String(200))
    triggered_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
