"""Whether a trigger's occasion may become a draft: the campaign eligibility rules (consent,
suppression, contact, cooldown, timing, facts), then an open conversation and the caps.

The eligibility is `assistant.drafting.eligibility.Eligibility`, the one every campaign
uses; the caps are the delivery rules' (`next_under_caps`): a customer whose marketing
messages (sent or scheduled) already fill the frequency or contact cap now is skipped
(`cap`) and looked at again on the next run while the occasion lasts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rules import SENT_STATUSES, cap_time, next_under_caps
from assistant.drafting.brand import Brand
from assistant.drafting.context import FactsBuilder
from assistant.drafting.eligibility import SKIP_REASONS, Eligibility
from assistant.models import Conversation, Message
from assistant.triggers.config import Trigger
from assistant.triggers.occasions import Occasion

# A conversation the customer wrote in this recently, still open, holds automatic drafts.
OPEN_CONVERSATION_DAYS = 7
REASONS = (*SKIP_REASONS, "open_conversation", "cap", "queued_today")


class Gate:
    """Decides, batch by batch, which occasions of one trigger step are skipped and why."""

    def __init__(
        self,
        trigger: Trigger,
        step: int,
        *,
        as_of: date,
        now: datetime,
        brand: Brand,
        policy: DeliveryPolicy,
    ) -> None:
        self.channel = trigger.channel_of(step)
        self.playbook = trigger.base_playbook(step)
        self.builder = FactsBuilder(
            playbook=self.playbook, channel=self.channel, as_of=as_of, brand=brand
        )
        self.eligibility = Eligibility(self.builder, campaign_id=None, now=now)
        self.now = now
        self.policy = policy

    def check(self, session: Session, occasions: Sequence[Occasion]) -> dict[int, str]:
        """customer id -> why the occasion is skipped; the others may be queued."""
        if not occasions:
            return {}
        self.builder.prepare(session)
        decision = self.eligibility.check(
            session, [(o.customer_id, o.qualifier) for o in occasions]
        )
        reasons = dict(decision.skipped)
        rest = [o.customer_id for o in occasions if o.customer_id not in reasons]
        for customer_id in talking(session, rest, self.now):
            reasons[customer_id] = "open_conversation"
        rest = [cid for cid in rest if cid not in reasons]
        for customer_id in self.capped(session, rest):
            reasons[customer_id] = "cap"
        return reasons

    def capped(self, session: Session, ids: Sequence[int]) -> set[int]:
        """Customers whose marketing messages fill a cap right now on this channel."""
        if not ids:
            return set()
        rows = session.execute(
            select(
                Message.customer_id,
                Message.channel,
                Message.status,
                Message.sent_at,
                Message.scheduled_for,
            ).where(
                Message.customer_id.in_(list(ids)),
                Message.direction == "outbound",
                Message.kind == "marketing",
                Message.status.in_(("scheduled", *SENT_STATUSES)),
            )
        ).all()
        times: dict[int, dict[str, list[datetime]]] = {}
        for customer_id, channel, status, sent_at, scheduled_for in rows:
            at = cap_time(status, sent_at, scheduled_for, self.now)
            if at is not None:
                times.setdefault(customer_id, {}).setdefault(channel, []).append(at)
        return {
            customer_id
            for customer_id, by_channel in times.items()
            if next_under_caps(by_channel, self.channel, self.now, self.policy) > self.now
        }


def talking(session: Session, ids: Sequence[int], now: datetime) -> set[int]:
    """Customers with an open conversation they wrote in within `OPEN_CONVERSATION_DAYS`."""
    if not ids:
        return set()
    since = now - timedelta(days=OPEN_CONVERSATION_DAYS)
    return set(
        session.execute(
            select(Conversation.customer_id).where(
                Conversation.customer_id.in_(list(ids)),
                Conversation.status == "open",
                Conversation.last_inbound_at >= since,
            )
        ).scalars()
    )
