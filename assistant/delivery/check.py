"""Why a marketing message to a customer would wait: `assistant delivery check` and
`GET /api/v1/customers/{id}/delivery-check`.

The answer runs the sender's own rules (`rules.evaluate`, for a new marketing message on the
channel at `at`) and lists, besides its verdict, everything in the sending window that blocks
`at` (assistant.delivery.windows), so the reasons are the sender's, not a second opinion.
Conversation replies are not checked here: they answer the customer and ignore the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rules import address_of, evaluate
from assistant.delivery.windows import customer_country, customer_state, sending_window
from assistant.models import Customer, Message

CHANNELS = ("sms", "email")
# What the sender's own reason codes mean, for people.
REASON_TEXTS = {
    "no_consent": "no recorded marketing consent on this channel",
    "opted_out": "the customer opted out on this channel",
    "no_address": "no address on this channel",
    "suppressed": "the address is on the suppression list",
    "frequency_cap": "the per-channel frequency cap is reached; it waits for room",
    "contact_cap": "the cross-channel contact cap is reached; it waits for room",
    "no_sending_window": "no moment in the next two months is inside every window",
}


class UnknownCustomer(LookupError):
    """No customer with that id."""


@dataclass(frozen=True)
class Reason:
    """A machine-readable `code` and a sentence for people."""

    code: str
    text: str


@dataclass(frozen=True)
class DeliveryCheck:
    """Whether a marketing message may go at `at`, why not, and when it next may."""

    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_at: datetime | None
    zone: str
    country: str | None
    state: str | None

    def as_json(self) -> dict[str, Any]:
        """The answer as JSON-ready values (times in UTC, ISO 8601)."""
        return {
            "allowed": self.allowed,
            "reasons": [{"code": r.code, "text": r.text} for r in self.reasons],
            "next_allowed_at": (
                self.next_allowed_at.astimezone(UTC).isoformat() if self.next_allowed_at else None
            ),
            "zone": self.zone,
            "country": self.country,
            "state": self.state,
        }


def find_customer(session: Session, external_id: str) -> Customer:
    """The customer with the brand's id `external_id`, or UnknownCustomer."""
    found = session.execute(
        select(Customer).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownCustomer(f"no customer {external_id!r} (use the customer_id of your import)")
    return found


def check_delivery(
    session: Session, customer: Customer, channel: str, at: datetime, policy: DeliveryPolicy
) -> DeliveryCheck:
    """What the sender would do with a new marketing message to `customer` on `channel`
    at the aware moment `at`."""
    probe = Message(  # never added to the session: only read by the rules
        customer_id=customer.id,
        direction="outbound",
        channel=channel,
        kind="marketing",
        status="scheduled",
        to_address=address_of(customer, channel),
        scheduled_for=at,
    )
    verdict = evaluate(session, probe, customer, None, now=at, policy=policy, at_send=False)
    window = sending_window(customer, channel, policy)
    reasons = [Reason(block.code, block.text) for block in window.blocks(at)]
    window_reasons = {block.reason for block in window.blocks(at)}
    if verdict.reason is not None and verdict.reason not in window_reasons:
        text = REASON_TEXTS.get(verdict.reason, verdict.reason.replace("_", " "))
        reasons.insert(0, Reason(verdict.reason, text))
    if verdict.action == "send":
        next_at: datetime | None = at
    elif verdict.action == "defer":
        next_at = verdict.until
    else:
        next_at = None
    country = customer_country(customer)
    return DeliveryCheck(
        allowed=verdict.action == "send",
        reasons=tuple(reasons),
        next_allowed_at=next_at,
        zone=window.zone.key,
        country=country,
        state=customer_state(customer) if country == "US" else None,
    )
