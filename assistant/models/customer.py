"""Customers, their consent history and behavioural events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from assistant.models.base import Base, BigId, Timestamped, utcnow

# Consent a customer withdrew themself: an import or a staff edit never turns it back on;
# only the customer can (START, or signing up again through a consent form).
# `provider`: the carrier reported the number opted out (Twilio 21610): only the customer undoes it.
CUSTOMER_REVOCATION_SOURCES = ("sms_keyword", "email_unsubscribe", "customer_request", "provider")


class Customer(Timestamped, Base):
    """A brand's customer, keyed by the brand's own id (`external_id`)."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    # E.164, normalised on the way in, so inbound SMS can be matched by exact lookup.
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    customer_since: Mapped[datetime | None]
    sms_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    sms_consent_at: Mapped[datetime | None]
    sms_consent_source: Mapped[str | None] = mapped_column(String(32))
    email_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    email_consent_at: Mapped[datetime | None]
    email_consent_source: Mapped[str | None] = mapped_column(String(32))
    # Brand-specific fields (unknown CSV columns), usable by segments.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    # When the customer's personal data was erased (`assistant customers forget`): an import
    # skips this external id from then on instead of bringing the data back.
    forgotten_at: Mapped[datetime | None]


class ConsentEvent(Base):
    """One consent change on one channel and destination, with its evidence: the ledger.

    The ledger is kept per destination (`destination`: the E.164 phone or lower-cased email
    the change was about), so a send can be checked against the exact address it goes to
    (`assistant.consent.ledger`). `purpose` is `messages` (consent to be messaged on the
    channel) or `ai_drafted` (consent to messages an AI drafted, ASSISTANT_REQUIRE_AI_CONSENT).
    """

    __tablename__ = "consent_events"
    __table_args__ = (
        Index(None, "customer_id", "occurred_at"),
        Index(None, "channel", "destination", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    consented: Mapped[bool]
    # import | shopify | sms_keyword | customer_request | email_unsubscribe | provider, or
    # what staff gave with `assistant consent set --source` (paper_form, support_call, ...)
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    # Who recorded it: `terminal:ana`, `api:key-1a2b3c4d`, `system`; NULL for imports and
    # events recorded before this column existed.
    actor: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The address the change was about; a `sha256:` fingerprint once the customer is
    # forgotten; NULL when it was not known (events older than the ledger, no address).
    destination: Mapped[str | None] = mapped_column(String(320))
    purpose: Mapped[str] = mapped_column(String(16), default="messages", server_default="messages")
    # The words the customer saw or sent: the keyword ("STOP"), a form's consent wording.
    wording: Mapped[str | None] = mapped_column(Text)
    # The raw proof: inbound message SID, unsubscribe token id, import file and row,
    # Shopify webhook id, ... (never a message body).
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")


class Suppression(Base):
    """An address we must never message on a channel, whoever the customer record says."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "channel", "address", unique=True),)


class Event(Base):
    """A behavioural event (viewed a product, opened an email, ...) for segments."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "customer_id", "occurred_at"),
        Index(None, "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
