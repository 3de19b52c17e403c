"""Ten drafts with known decisions, made through the real review service, at known times.

Created Sunday 2026-11-29 23:00 UTC (ISO week 48). Ana decides within the hour (week 48),
Ben after midnight (week 49); one draft is left undecided.

    draft  reviewer  decision                          minutes  edit distance
    a1     Ana       approved unchanged                10
    a2     Ana       edited (+" Thanks")               20       7
    a3     Ana       edited (+"!")                     30       1
    a4     Ana       rejected "Too pushy"              40
    a5     Ana       regenerated, then approved        50
    b1     Ben       edited (+" Thank you")            65       10
    b2     Ben       rejected " too   PUSHY "          75
    b3     Ben       rejected, no reason               85
    b4     Ben       overridden, then approved         95
    u1     -         undecided
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from assistant.db import unit_of_work
from assistant.models import Draft
from assistant.review import service
from assistant.review.actors import Actor
from assistant.wiring import build_drafter
from tests.review.helpers import add_campaign, add_customer, add_draft, draft_row

ANA = Actor("slack:U0ANA", "Ana")
BEN = Actor("slack:U0BEN", "Ben")
CREATED = datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
LOCATION = {
    "code": "intrusive_location",
    "severity": "block",
    "message": "mentions where the customer lives",
    "excerpt": "your house",
}
MINUTES = {"a1": 10, "a2": 20, "a3": 30, "a4": 40, "a5": 50, "b1": 65, "b2": 75, "b3": 85}
MINUTES["b4"] = 95


@dataclass
class Decided:
    campaign_id: int
    drafts: dict[str, int] = field(default_factory=dict)


def _edit(engine: Engine, draft_id: int, actor: Actor, suffix: str) -> None:
    body = draft_row(engine, draft_id).body
    with unit_of_work(engine) as session:
        outcome = service.decide(session, draft_id, action="edit", actor=actor, body=body + suffix)
    assert outcome.applied, outcome.message


def _decide(engine: Engine, draft_id: int, action: str, actor: Actor, reason: str | None) -> None:
    with unit_of_work(engine) as session:
        outcome = service.decide(
            session,
            draft_id,
            action=action,  # type: ignore[arg-type]
            actor=actor,
            reason=reason,
        )
    assert outcome.applied, outcome.message


def decided_store(engine: Engine) -> Decided:
    """The ten drafts of the table above."""
    with unit_of_work(engine) as session:
        store = Decided(add_campaign(session))
        for name in ("a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4", "u1"):
            customer = add_customer(session, "Maya")
            found = [LOCATION] if name == "b4" else []
            store.drafts[name] = add_draft(
                session, customer, store.campaign_id, first_name="Maya", findings=found
            )
    d = store.drafts
    _decide(engine, d["a1"], "approve", ANA, None)
    _edit(engine, d["a2"], ANA, " Thanks")
    _edit(engine, d["a3"], ANA, "!")
    _decide(engine, d["a4"], "reject", ANA, "Too pushy")
    with unit_of_work(engine) as session:
        assert service.request_regeneration(session, d["a5"], actor=ANA, instruction=None).applied
    with unit_of_work(engine) as session:
        assert service.regenerate(session, d["a5"], None, build_drafter=build_drafter).applied
    _decide(engine, d["a5"], "approve", ANA, None)
    _edit(engine, d["b1"], BEN, " Thank you")
    _decide(engine, d["b2"], "reject", BEN, " too   PUSHY ")
    _decide(engine, d["b3"], "reject", BEN, None)
    with unit_of_work(engine) as session:
        overridden = service.override(session, d["b4"], actor=BEN, reason="a product name")
    assert overridden.applied, overridden.message
    _decide(engine, d["b4"], "approve", BEN, None)
    with unit_of_work(engine) as session:
        session.execute(update(Draft).values(created_at=CREATED))
        for name, minutes in MINUTES.items():
            session.execute(
                update(Draft)
                .where(Draft.id == d[name])
                .values(decided_at=CREATED + timedelta(minutes=minutes))
            )
    return store
