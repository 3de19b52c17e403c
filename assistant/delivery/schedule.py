"""Approved drafts become scheduled messages: exactly one per draft, at the next allowed moment.

The draft is claimed first (approved → scheduled, a conditional UPDATE), so two ticks racing
on one draft cannot both create its message; the message's unique idempotency key
`draft:{id}` backs that up in the database. The rules run here and again at send time.
With send-time learning on (`policy.send_time`), a marketing message starts from the next
occurrence of the customer's best local hour (docs/send-time.md) and the rules may move it
later; `messages.send_time` records which policy chose the hour.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rules import (
    Verdict,
    address_of,
    customer_zone,
    evaluate,
    timing_window,
)
from assistant.delivery.send_time import HOLDOUT, LEARNED, HourBook, in_holdout, next_at_hour
from assistant.delivery.state import SYSTEM, cancel_message, lock_customer, move_draft
from assistant.models import Customer, Draft, DraftState, Message

# Drafts of this playbook answer a customer in a conversation: exempt from caps and timing.
REPLY_PLAYBOOK = "reply"


def idempotency_key(draft_id: int) -> str:
    """The one outgoing message's key for a draft."""
    return f"draft:{draft_id}"


def message_kind(draft: Draft) -> str:
    """`conversation` for replies in a conversation, else `marketing`."""
    if draft.playbook == REPLY_PLAYBOOK or draft.conversation_id is not None:
        return "conversation"
    return "marketing"


def schedule_draft(
    session: Session,
    draft_id: int,
    *,
    now: datetime,
    policy: DeliveryPolicy,
    actor: str = SYSTEM,
    book: HourBook | None = None,
) -> Message | None:
    """Turn one approved draft into its message; None when the draft is not (or no longer)
    approved. A draft the rules stop is cancelled with the reason on its message."""
    existing = session.execute(
        select(Message).where(Message.idempotency_key == idempotency_key(draft_id))
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    draft = session.get(Draft, draft_id)
    if draft is None or draft.state != DraftState.APPROVED:
        return None
    customer = lock_customer(session, draft.customer_id)
    assert customer is not None  # a draft's customer is deleted with the draft
    if not move_draft(
        session,
        draft_id,
        DraftState.SCHEDULED,
        (DraftState.APPROVED,),
        action="delivery.scheduled",
        actor=actor,
        now=now,
    ):
        return None
    message = Message(
        idempotency_key=idempotency_key(draft_id),
        customer_id=draft.customer_id,
        draft_id=draft_id,
        conversation_id=draft.conversation_id,
        direction="outbound",
        channel=draft.channel,
        kind=message_kind(draft),
        status="scheduled",
        to_address=address_of(customer, draft.channel),
        subject=draft.subject,
        body=draft.body,
        scheduled_for=now,
    )
    session.add(message)
    session.flush()
    earliest = _send_time(session, message, customer, draft, now, policy, book)
    verdict = evaluate(
        session, message, customer, draft, now=now, policy=policy, at_send=False, earliest=earliest
    )
    if verdict.action in ("cancel", "hold"):
        cancel_message(session, message, verdict.reason or verdict.action, now=now, actor=actor)
    elif verdict.action == "defer" and verdict.until is not None:
        message.scheduled_for = verdict.until
        message.error_code = verdict.reason  # why it waits; cleared when it is sent
    session.flush()
    return message


def _send_time(
    session: Session,
    message: Message,
    customer: Customer,
    draft: Draft,
    now: datetime,
    policy: DeliveryPolicy,
    book: HourBook | None,
) -> datetime | None:
    """Record the send-time policy on a marketing message; when to start looking (None: now).

    A message whose customer has a learned hour is held out (sent as soon as allowed,
    `holdout`) by a stable hash of its draft, so the report can compare the two."""
    if policy.send_time is None or message.kind != "marketing" or message.draft_id is None:
        return None
    book = book or HourBook(policy.send_time, policy.brand_zone)
    choice = book.choose(session, customer.id, now)
    if choice.policy == LEARNED and in_holdout(message.draft_id, policy.send_time.holdout_percent):
        message.send_time = HOLDOUT
        return None
    message.send_time = choice.policy
    if choice.hour is None:
        return None
    zone = customer_zone(customer, policy)
    opens, _ = timing_window(draft, zone)  # the best hour on the playbook's first day
    return next_at_hour(max(now, opens) if opens is not None else now, choice.hour, zone)


def approved_draft_ids(session: Session, *, limit: int) -> list[int]:
    """Approved drafts not yet scheduled, oldest decision first."""
    rows = session.execute(
        select(Draft.id)
        .where(Draft.state == DraftState.APPROVED)
        .order_by(Draft.decided_at.asc().nulls_first(), Draft.id)
        .limit(limit)
    ).scalars()
    return list(rows)


def schedule_approved(
    session: Session, *, now: datetime, policy: DeliveryPolicy, limit: int | None = None
) -> list[int]:
    """Schedule up to `limit` approved drafts; the ids of the messages made."""
    made: list[int] = []
    book = HourBook(policy.send_time, policy.brand_zone) if policy.send_time else None
    for draft_id in approved_draft_ids(session, limit=limit or policy.batch):
        message = schedule_draft(session, draft_id, now=now, policy=policy, book=book)
        if message is not None:
            made.append(message.id)
    return made


def planned_verdict(
    session: Session,
    draft: Draft,
    customer: Customer,
    *,
    now: datetime,
    policy: DeliveryPolicy,
) -> Verdict:
    """What `schedule_draft` would decide for `draft` if it were approved at `now`: the same
    rules and learned send time, on a message that is never added to the session (nothing
    is written). Review cards show it as the planned send time."""
    message = Message(
        customer_id=draft.customer_id,
        draft_id=draft.id,
        conversation_id=draft.conversation_id,
        direction="outbound",
        channel=draft.channel,
        kind=message_kind(draft),
        status="scheduled",
        to_address=address_of(customer, draft.channel),
        scheduled_for=now,
    )
    earliest = _send_time(session, message, customer, draft, now, policy, None)
    return evaluate(
        session, message, customer, draft, now=now, policy=policy, at_send=False, earliest=earliest
    )
