"""Delivery's job entry points: the periodic tick, and one draft or message on demand."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine

from assistant.config import Settings, get_settings
from assistant.db import get_engine, unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.rate import build_rate_gate
from assistant.delivery.schedule import approved_draft_ids, schedule_draft
from assistant.delivery.send_time import HourBook
from assistant.delivery.sender import Clock, Sender, Transports
from assistant.jobs.registry import task
from assistant.models.base import utcnow
from assistant.wiring import build_email_sender, build_sms_sender, build_webhook_sender

log = logging.getLogger(__name__)


def build_sender(settings: Settings, engine: Engine | None = None) -> Sender:
    """A sender on the configured database and transports."""
    transports = Transports(
        sms=build_sms_sender(settings),
        email=build_email_sender(settings),
        webhook=build_webhook_sender(settings),
    )
    return Sender(
        engine or get_engine(),
        transports,
        DeliveryPolicy.from_settings(settings),
        rate=build_rate_gate(settings),
    )


def schedule_pending(engine: Engine, policy: DeliveryPolicy, *, clock: Clock = utcnow) -> int:
    """Schedule every approved draft, one unit of work each; how many got a message."""
    with unit_of_work(engine) as session:
        ids = approved_draft_ids(session, limit=policy.batch)
    made = 0
    # The segment and brand send-time pools are read once for the whole pass.
    book = HourBook(policy.send_time, policy.brand_zone) if policy.send_time else None
    for draft_id in ids:
        try:
            with unit_of_work(engine) as session:
                message = schedule_draft(session, draft_id, now=clock(), policy=policy, book=book)
                if message is not None:
                    made += 1
        except Exception:
            log.exception("delivery.schedule_failed draft=%s", draft_id)
    return made


@task("delivery.tick")
def tick() -> dict[str, Any]:
    """Schedule approved drafts, then send every due message."""
    settings = get_settings()
    sender = build_sender(settings)
    scheduled = schedule_pending(sender.engine, sender.policy, clock=sender.clock)
    outcomes = sender.run()
    return {"scheduled": scheduled, **dict(outcomes)}


@task("delivery.schedule_draft")
def schedule_one(draft_id: int) -> int | None:
    """Schedule one approved draft now (after its approval committed); its message id."""
    settings = get_settings()
    policy = DeliveryPolicy.from_settings(settings)
    with unit_of_work(get_engine()) as session:
        message = schedule_draft(session, draft_id, now=utcnow(), policy=policy)
        return message.id if message is not None else None


@task("delivery.send_message")
def send_one(message_id: int) -> str:
    """Send one message if it is due."""
    return build_sender(get_settings()).process(message_id)
