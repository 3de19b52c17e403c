"""Sent messages per send-time policy, some replied to within the 7-day window, some after.

learned 20/40 (+2 late), holdout 8/40, segment 1/5, brand 0/2, none 3/10 (+2 late), and one
message without a policy (sent with send-time learning off: not counted).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assistant.db import unit_of_work
from assistant.models import Message
from tests.reports.outcomes_store import DAY, T0, customer, message, reply


def messages(
    session: Session, policy: str, sent: int, replied: int, *, late: int = 0, day: int = 0
) -> None:
    """`sent` delivered messages of `policy`: `replied` answered a day later, `late` after
    eight days (outside the 7-day window), the rest never."""
    for number in range(sent):
        who = customer(session)
        at = T0 + day * DAY
        message_id = message(session, who, None, at)
        row = session.get(Message, message_id)
        assert row is not None
        row.send_time = policy
        if number < replied:
            reply(session, who, at + DAY)
        elif number < replied + late:
            reply(session, who, at + 8 * DAY)
    session.flush()


def send_time_store(engine: Engine, holdout: int = 40, learned_replied: int = 20) -> None:
    """learned 20/40 (+2 late), holdout 8/`holdout`, segment 1/5, brand 0/2, none 3/10
    (+2 late), and one message without a policy."""
    with unit_of_work(engine) as session:
        messages(session, "learned", 40, learned_replied, late=2)
        messages(session, "holdout", holdout, 8)
        messages(session, "segment", 5, 1)
        messages(session, "brand", 2, 0)
        messages(session, "none", 10, 3, late=2)
        customer_id = customer(session)
        unrecorded = message(session, customer_id, None, T0)  # send-time off: not counted
        reply(session, customer_id, T0 + DAY)
        assert unrecorded
