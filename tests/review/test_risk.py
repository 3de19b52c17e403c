"""Review by risk: only clean drafts for ordinary customers are approved in bulk."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from assistant.config import get_settings
from assistant.db import unit_of_work
from assistant.models import Draft
from assistant.models.base import utcnow
from assistant.review import repository as repo
from assistant.review import risk, service
from assistant.review.actors import Actor
from tests.review.helpers import (
    add_campaign,
    add_conversation,
    add_customer,
    add_draft,
    add_return,
    audit_rows,
    draft_row,
)

MIA = Actor("slack:U0MIA", "Mia")
WARNING = [
    {"code": "name_missing", "severity": "warn", "message": "no first name", "excerpt": None}
]
BLOCKED = [{"code": "invented_price", "severity": "block", "message": "price", "excerpt": "$5"}]


def _store(engine: Engine) -> tuple[int, dict[str, int]]:
    """One campaign with a draft for each kind of customer, keyed by what is special."""
    now = utcnow()
    drafts: dict[str, int] = {}
    with unit_of_work(engine) as session:
        campaign = add_campaign(session)

        def draft(
            key: str,
            clv: str | None = "250.00",
            state: str | None = None,
            findings: list[dict[str, Any]] | None = None,
        ) -> int:
            customer = add_customer(session, "Maya", clv=clv)
            drafts[key] = add_draft(
                session, customer, campaign, first_name="Maya", state=state, findings=findings
            )
            return customer

        draft("clean")
        draft("no_metrics", clv=None)
        draft("at_the_vip_line", clv="1000.00")
        draft("vip", clv="1000.01")
        draft("warning", findings=WARNING)
        draft("blocked", findings=BLOCKED)
        add_return(session, draft("recent_return"), now - timedelta(days=29))
        add_return(session, draft("old_return"), now - timedelta(days=31))
        add_conversation(session, draft("open_conversation"), "open")
        add_conversation(session, draft("closed_conversation"), "closed")
        draft("approved_already", state="approved")
        # Another campaign's clean draft is never touched.
        other = add_campaign(session)
        drafts["other_campaign"] = add_draft(
            session, add_customer(session, "Leo", clv="10"), other, first_name="Leo"
        )
        draft("regenerating")
        session.execute(
            update(Draft).where(Draft.id == drafts["regenerating"]).values(regenerating_at=now)
        )
    return campaign, drafts


LOW_RISK = ("clean", "no_metrics", "at_the_vip_line", "old_return", "closed_conversation")


def test_low_risk_drafts_exclude_warnings_vips_returns_and_conversations(engine: Engine) -> None:
    campaign, drafts = _store(engine)
    with unit_of_work(engine) as session:
        found = risk.low_risk_drafts(session, campaign, risk.RiskPolicy())
        assessed = {
            a.draft_id: a.reasons for a in risk.assess(session, campaign, risk.RiskPolicy())
        }
    assert found == sorted(drafts[key] for key in LOW_RISK)
    assert assessed[drafts["vip"]] == ("vip",)
    assert assessed[drafts["warning"]] == ("findings",)
    assert assessed[drafts["recent_return"]] == ("recent_return",)
    assert assessed[drafts["open_conversation"]] == ("open_conversation",)
    assert assessed[drafts["regenerating"]] == ("regenerating",)
    assert drafts["blocked"] not in assessed  # needs attention: never in bulk
    assert drafts["approved_already"] not in assessed


def test_approve_low_risk_approves_exactly_those_and_records_the_actor(engine: Engine) -> None:
    campaign, drafts = _store(engine)
    with unit_of_work(engine) as session:
        approved = service.approve_low_risk(session, campaign, MIA, risk.RiskPolicy())
    assert approved == len(LOW_RISK)
    for key, draft_id in drafts.items():
        row = draft_row(engine, draft_id)
        if key in LOW_RISK:
            assert (row.state, row.decided_by, row.edit_distance) == ("approved", MIA.id, 0)
            (entry,) = audit_rows(engine, draft_id)
            assert (entry.actor, entry.action, entry.to_state) == (
                MIA.id,
                "draft.approved",
                "approved",
            )
            assert entry.data["via"] == "review_by_risk"
            assert entry.data["before"]["body"] == row.body
        elif key != "approved_already":
            assert row.state in ("pending_review", "needs_attention") and row.decided_by is None
            assert audit_rows(engine, draft_id) == []
    with unit_of_work(engine) as session:
        assert service.approve_low_risk(session, campaign, MIA, risk.RiskPolicy()) == 0


def test_a_draft_changed_since_it_was_assessed_is_left_alone(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        campaign = add_campaign(session)
        draft_id = add_draft(session, add_customer(session, "Maya"), campaign, first_name="Maya")
        (assessed,) = risk.assess(session, campaign, risk.RiskPolicy())
    with unit_of_work(engine) as session:
        body = draft_row(engine, draft_id).body
        # Someone edits it meanwhile: the bulk approval must not approve another text.
        service.decide(session, draft_id, action="edit", actor=Actor("slack:U0ANA"), body=body)
    with unit_of_work(engine) as session:
        applied = repo.transition(
            session,
            assessed.draft_id,
            from_states=(repo.PENDING_REVIEW,),
            version=assessed.version,
            values={"state": "approved", "decided_by": MIA.id},
            now=utcnow(),
        )
    assert not applied and draft_row(engine, draft_id).decided_by == "slack:U0ANA"


def test_the_vip_line_comes_from_the_settings(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_REVIEW_VIP_CLV", "100")
    get_settings.cache_clear()
    policy = risk.RiskPolicy.from_settings()
    assert policy.vip_clv == Decimal(100) and policy.return_days == 30
    campaign, drafts = _store(engine)
    with unit_of_work(engine) as session:
        approved = service.approve_low_risk(session, campaign, MIA)
        states = dict(
            session.execute(
                select(Draft.id, Draft.state).where(Draft.campaign_id == campaign)
            ).all()
        )
    # clv 250 is a VIP now: only customers without metrics remain low-risk.
    assert approved == 1 and states[drafts["no_metrics"]] == "approved"
    assert states[drafts["clean"]] == "pending_review"
