"""A store with known funnel and review numbers for the reports page (around T0, week 45).

    playbook  draft  state     message            edit distance  then
    check_in  c1     sent      delivered          0              a reply, an order of 40.00
    check_in  c2     sent      delivered          7
    check_in  c3     sent      delivered          -
    check_in  c4     approved  -                  -
    check_in  c5     rejected  -                  -
    winback   w1     sent      delivered          3              an order of 25.50
    winback   w2     sent      sent (no receipt)  -

Funnel: check_in 5 → 4 → 3 → 3 → 1 → 1, revenue 40.00; winback 2 → 2 → 2 → 1 → 0 → 1,
revenue 25.50. Review (all decided at T0 - 1h, 2026-W45): check_in approved 80.0%, edited
20.0%, rejected 20.0%; winback 100.0%, 50.0%, 0.0%; the week: 7 decided, 4 approved
unchanged (57.1%), edit distance mean 5 and median 5.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from assistant.db import unit_of_work
from assistant.models import Draft
from tests.reports.outcomes_store import DAY, T0, campaign, customer, draft, message, order, reply


def _one(
    engine: Engine, playbook: str, state: str, *, status: str | None, distance: int | None
) -> int:
    """A draft of `playbook` (and its message when `status`); the customer id."""
    with unit_of_work(engine) as session:
        who, cid = customer(session), campaign(session, playbook)
        made = draft(session, who, cid, playbook=playbook, state=state)
        if status is not None:
            message(session, who, made, T0, status=status)
        session.execute(update(Draft).where(Draft.id == made).values(edit_distance=distance))
    return who


def page_store(engine: Engine) -> None:
    """The drafts, messages, reply and orders of the table above."""
    c1 = _one(engine, "check_in", "sent", status="delivered", distance=0)
    _one(engine, "check_in", "sent", status="delivered", distance=7)
    _one(engine, "check_in", "sent", status="delivered", distance=None)
    _one(engine, "check_in", "approved", status=None, distance=None)
    _one(engine, "check_in", "rejected", status=None, distance=None)
    w1 = _one(engine, "winback", "sent", status="delivered", distance=3)
    _one(engine, "winback", "sent", status="sent", distance=None)
    with unit_of_work(engine) as session:
        reply(session, c1, T0 + timedelta(hours=1))
        order(session, c1, T0 + 2 * DAY, "40.00")
        order(session, w1, T0 + DAY, "25.50")
