"""Rows and clocks the delivery tests share."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.quiet_hours import QuietHours
from assistant.models import Customer, Draft, DraftState

_ids = itertools.count(1)
# A Tuesday, 11:00 in New York (EDT): inside the default sending window.
NOON_ISH = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: datetime = NOON_ISH

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> Clock:
        self.now += delta
        return self


def policy(**overrides: Any) -> DeliveryPolicy:
    """The default policy with a brand zone of New York and no status callback."""
    values: dict[str, Any] = {"brand_zone": "America/New_York", "quiet_hours": QuietHours()}
    values.update(overrides)
    return DeliveryPolicy(**values)


def add_customer(session: Session, **fields: Any) -> Customer:
    number = next(_ids)
    values: dict[str, Any] = {
        "external_id": f"c-{number}-{id(session)}",
        "first_name": "Maya",
        "phone": f"+1415555{number % 10000:04d}",
        "email": f"maya{number}@example.com",
        "timezone": "America/New_York",
        "sms_consent": True,
        "sms_consent_source": "import",
        "email_consent": True,
        "email_consent_source": "import",
    }
    values.update(fields)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def add_draft(
    session: Session,
    customer: Customer,
    *,
    channel: str = "sms",
    playbook: str = "upsell",
    state: str = DraftState.APPROVED,
    body: str | None = None,
    created_at: datetime | None = None,
    **fields: Any,
) -> Draft:
    number = next(_ids)
    draft = Draft(
        idempotency_key=f"test:{number}:{id(session)}",
        customer_id=customer.id,
        playbook=playbook,
        channel=channel,
        state=str(state),
        subject="A note from Ember & Oak" if channel == "email" else None,
        body=body or f"Hi Maya, the Whole Bean Reserve is back (note {number}). Reply STOP to end",
        facts=fields.pop("facts", {}),
        decided_by="terminal:test",
        **fields,
    )
    if created_at is not None:
        draft.created_at = created_at
        draft.updated_at = created_at
    session.add(draft)
    session.flush()
    return draft
