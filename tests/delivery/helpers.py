"""Running the scheduler and the sender the way the tick does, on a test clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from assistant.db import unit_of_work
from assistant.delivery.policy import DeliveryPolicy
from assistant.delivery.schedule import schedule_draft
from assistant.delivery.sender import Sender, Transports
from assistant.models import AuditEntry, Draft, Message
from connectors.outbox import OutboxEmailSender, OutboxSmsSender, read_outbox
from tests.delivery.factories import Clock


def outbox_transports(directory: Path) -> Transports:
    return Transports(sms=OutboxSmsSender(directory), email=OutboxEmailSender(directory))


def outbox_lines(directory: Path, channel: str = "sms") -> list[dict[str, Any]]:
    return list(read_outbox(directory / f"{channel}.jsonl"))


def schedule(
    engine: Engine, draft_id: int, clock: Callable[[], datetime], policy: DeliveryPolicy
) -> int | None:
    with unit_of_work(engine) as session:
        message = schedule_draft(session, draft_id, now=clock(), policy=policy)
        return message.id if message is not None else None


def send(
    engine: Engine, transports: Transports, clock: Clock, policy: DeliveryPolicy
) -> Counter[str]:
    return Sender(engine, transports, policy, clock=clock).run()


def message(engine: Engine, message_id: int) -> Message:
    with unit_of_work(engine) as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


def draft_state(engine: Engine, draft_id: int) -> str:
    with unit_of_work(engine) as session:
        found = session.get(Draft, draft_id)
        assert found is not None
        return found.state


def draft_audit(engine: Engine, draft_id: int) -> list[tuple[str | None, str | None, str]]:
    with unit_of_work(engine) as session:
        rows = session.execute(
            select(AuditEntry.from_state, AuditEntry.to_state, AuditEntry.action)
            .where(AuditEntry.entity_type == "draft", AuditEntry.entity_id == draft_id)
            .order_by(AuditEntry.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]
