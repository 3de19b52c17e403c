"""Consent in and out: what `assistant consent show` prints and the API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Channel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email")
# What `--source` may look like: a short word stored as the ConsentEvent source.
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.:-]{0,31}$"


class ChannelConsentRead(BaseModel):
    """Consent on one channel now; `destination` is the masked address."""

    granted: bool
    source: str | None
    at: datetime | None
    destination: str | None
    # The address is on the suppression list: nothing is sent there, whatever `granted` says.
    suppressed: bool
    # The destination consented to AI-drafted messages (needed when `ai_consent_required`).
    ai_consent: bool
    # Why the ledger stops a message to this address now (`no_consent_for_address`: the
    # consent recorded is for another address; `no_ai_consent`; `opted_out`), else None.
    ledger_problem: str | None = None


class ConsentEventRead(BaseModel):
    """One recorded change, oldest first in `history`."""

    channel: str
    granted: bool
    source: str
    actor: str | None
    at: datetime
    detail: str | None
    # `messages`, or `ai_drafted` for consent to AI-drafted messages.
    purpose: str
    destination: str | None  # masked
    wording: str | None
    evidence: dict[str, Any]


class ConsentRead(BaseModel):
    """A customer's consent on every channel, with its history."""

    customer_id: str
    channels: dict[str, ChannelConsentRead]
    history: list[ConsentEventRead]
    # ASSISTANT_REQUIRE_AI_CONSENT: AI-drafted messages need `ai_consent` on the destination.
    ai_consent_required: bool = False


class ConsentUpdate(BaseModel):
    """A consent change staff record: granted or revoked on one channel, and where from.

    `force` re-grants consent the customer withdrew themself (STOP, an unsubscribe);
    `source` then says how they consented again (e.g. `paper_form`, `web_signup`).
    """

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    granted: bool
    source: str = Field(
        pattern=SOURCE_PATTERN,
        description="Where the consent comes from: a short lowercase word, e.g. paper_form.",
    )
    force: bool = False
    # The change is about AI-drafted messages (ASSISTANT_REQUIRE_AI_CONSENT), not messaging.
    ai: bool = False
    # What the customer agreed to or said, e.g. the web form's consent sentence.
    wording: str | None = Field(default=None, max_length=2000)
    # A reference to the proof kept elsewhere, e.g. "paper form 2026-12-01 #114".
    evidence: str | None = Field(default=None, max_length=500)

    @field_validator("source", mode="before")
    @classmethod
    def _tidy(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value
