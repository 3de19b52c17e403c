"""Follow-up steps: occasions of step N+1, due `after_days` after step N's message was sent.

A step is due only when the previous step's message actually went out (sent or delivered;
a rejected draft or a cancelled message ends the sequence) and, since it was sent, the
customer has not written to us (an inbound message in any conversation) nor ordered. Opted
out customers are stopped by the same eligibility checks every trigger draft passes.
All in one statement per step, like the first-step finders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from assistant.metrics.queries import EXCLUDED_STATUSES
from assistant.models import Draft, Message, Order, TriggerOccasion
from assistant.triggers.config import Trigger
from assistant.triggers.occasions import Occasion, Scope

WENT_OUT = ("sent", "delivered")


def trigger_section(
    trigger: Trigger, step: int, previous_sent: datetime | None = None
) -> dict[str, Any]:
    """What a draft's facts learn about the trigger that queued it (`qualifier["trigger"]`)."""
    brief = trigger.step(step).brief if step > 1 else trigger.brief
    section: dict[str, Any] = {"name": trigger.name, "step": step}
    if brief:
        section["brief"] = brief
    if previous_sent is not None:
        section["previous_sent_on"] = previous_sent.date().isoformat()
    return section


def _replied(customer: Any, since: Any) -> Any:
    return exists().where(
        Message.customer_id == customer,
        Message.direction == "inbound",
        Message.created_at > since,
    )


def _ordered(customer: Any, since: Any) -> Any:
    return exists().where(
        Order.customer_id == customer,
        Order.ordered_at > since,
        Order.status.not_in(EXCLUDED_STATUSES),
    )


def due(session: Session, trigger: Trigger, step: int, scope: Scope) -> Iterator[Occasion]:
    """Step `step`'s occasions due by `scope.as_of` (not yet queued unless `recorded`)."""
    after = trigger.step(step).after_days
    previous = aliased(TriggerOccasion)
    draft = aliased(Draft)
    message = aliased(Message)
    conditions = [
        previous.trigger == trigger.name,
        previous.step == step - 1,
        message.status.in_(WENT_OUT),
        message.sent_at.is_not(None),
        message.sent_at < scope.start(scope.as_of - timedelta(days=after - 1)),
        ~_replied(previous.customer_id, message.sent_at),
        ~_ordered(previous.customer_id, message.sent_at),
        *scope.only(previous.customer_id),
    ]
    if not scope.recorded:
        following = aliased(TriggerOccasion)
        conditions.append(
            ~exists().where(
                following.customer_id == previous.customer_id,
                following.trigger == previous.trigger,
                following.occasion == previous.occasion,
                following.step == step,
            )
        )
    rows = session.execute(
        select(previous.customer_id, previous.occasion, previous.qualifier, message.sent_at)
        .select_from(previous)
        .join(
            draft,
            and_(
                draft.campaign_id == previous.campaign_id, draft.customer_id == previous.customer_id
            ),
        )
        .join(
            message,
            and_(
                # By customer too: messages are indexed by customer, not by draft.
                message.customer_id == previous.customer_id,
                message.draft_id == draft.id,
                message.direction == "outbound",
            ),
        )
        .where(*conditions)
        .order_by(previous.customer_id, message.sent_at)
    )
    for customer_id, occasion, qualifier, sent_at in rows:
        cited = {k: v for k, v in dict(qualifier or {}).items() if k != "trigger"}
        cited["trigger"] = trigger_section(trigger, step, sent_at)
        yield Occasion(customer_id, occasion, scope.as_of, cited)


@dataclass(frozen=True)
class StepState:
    """Where one occasion's sequence stands, for `triggers explain`."""

    occasion: str
    step: int
    queued_on: date
    draft_state: str | None
    sent_on: date | None
    next_step: int | None
    next_due_on: date | None
    stopped: str | None


def states(session: Session, trigger: Trigger, customer_id: int) -> list[StepState]:
    """Every queued step of the customer's occasions of `trigger`, with what comes next."""
    previous = aliased(TriggerOccasion)
    draft = aliased(Draft)
    message = aliased(Message)
    rows = session.execute(
        select(
            previous.occasion,
            previous.step,
            previous.queued_at,
            draft.state,
            message.status,
            message.sent_at,
        )
        .select_from(previous)
        .outerjoin(
            draft,
            and_(
                draft.campaign_id == previous.campaign_id, draft.customer_id == previous.customer_id
            ),
        )
        .outerjoin(message, and_(message.draft_id == draft.id, message.direction == "outbound"))
        .where(previous.trigger == trigger.name, previous.customer_id == customer_id)
        .order_by(previous.occasion, previous.step)
    ).all()
    queued = {(occasion, step) for occasion, step, *_ in rows}
    found: list[StepState] = []
    for occasion, step, queued_at, state, status, sent_at in rows:
        following = step + 1 if step - 1 < len(trigger.steps) else None
        stopped: str | None = None
        due_on: date | None = None
        sent: datetime | None = sent_at if status in WENT_OUT else None
        if following is not None and (occasion, following) not in queued:
            if state in ("rejected", "cancelled") or status in ("cancelled", "failed"):
                stopped = f"step {step} was not sent ({status or state})"
            elif sent is not None:
                due_on = sent.date() + timedelta(days=trigger.step(following).after_days)
                if session.execute(select(_replied(customer_id, sent))).scalar():
                    stopped = "customer replied"
                elif session.execute(select(_ordered(customer_id, sent))).scalar():
                    stopped = "customer ordered"
        found.append(
            StepState(
                occasion=occasion,
                step=step,
                queued_on=queued_at.date(),
                draft_state=state,
                sent_on=sent.date() if sent is not None else None,
                next_step=following
                if stopped is None and following and (occasion, following) not in queued
                else None,
                next_due_on=due_on if stopped is None else None,
                stopped=stopped,
            )
        )
    return found
