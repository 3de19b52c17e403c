"""Overriding blocking findings: with a reason, on record, never for offers, opt-outs or hours."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models import Customer
from assistant.review import risk, service
from assistant.review.actors import Actor
from assistant.review.overrides import NEVER_OVERRIDABLE, OVERRIDDEN_ACTION, overridable
from tests.review.helpers import (
    add_campaign,
    add_customer,
    add_draft,
    audit_count,
    audit_rows,
    draft_row,
)

ANA = Actor("slack:U0ANA", "Ana")


def finding(code: str, excerpt: str = "your new House") -> dict[str, Any]:
    return {"code": code, "severity": "block", "message": f"{code} message", "excerpt": excerpt}


LOCATION = finding("intrusive_location")
WARNING = {"code": "name_missing", "severity": "warn", "message": "no name", "excerpt": None}


def blocked_draft(engine: Engine, *items: dict[str, Any], opted_out: bool = False) -> int:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Maya")
        if opted_out:
            row = session.get_one(Customer, customer)
            row.sms_consent, row.sms_consent_source = False, "sms_keyword"
        return add_draft(
            session,
            customer,
            add_campaign(session),
            first_name="Maya",
            body="Hi Maya, enjoy your new House Blend! Sam",
            findings=list(items),
        )


def _override(engine: Engine, draft_id: int, **kwargs: Any) -> service.DecisionOutcome:
    with unit_of_work(engine) as session:
        return service.override(session, draft_id, actor=ANA, **kwargs)


def test_an_override_with_a_reason_makes_the_draft_approvable_and_is_audited(
    engine: Engine,
) -> None:
    draft_id = blocked_draft(engine, LOCATION, finding("invented_product", "Reserve"), WARNING)

    outcome = _override(engine, draft_id, reason="House Blend is the product's name")

    assert outcome.applied, outcome.message
    assert outcome.state == "pending_review"
    assert "intrusive_location, invented_product overridden by Ana" in outcome.message
    row = draft_row(engine, draft_id)
    assert row.state == "pending_review" and row.decided_by is None
    assert row.findings["blocked"] is False
    assert row.findings["override"]["codes"] == ["intrusive_location", "invented_product"]
    assert [i["severity"] for i in row.findings["items"]] == ["warn", "warn", "warn"]
    assert [i.get("overridden") for i in row.findings["items"]] == [True, True, None]
    [entry] = audit_rows(engine, draft_id)
    assert (entry.action, entry.actor) == (OVERRIDDEN_ACTION, "slack:U0ANA")
    assert (entry.from_state, entry.to_state) == ("needs_attention", "pending_review")
    assert entry.data["codes"] == ["intrusive_location", "invented_product"]
    assert entry.data["reason"] == "House Blend is the product's name"

    with unit_of_work(engine) as session:
        approved = service.decide(session, draft_id, action="approve", actor=ANA)
    assert approved.applied and draft_row(engine, draft_id).state == "approved"


def test_naming_the_codes_works_when_they_cover_every_blocking_finding(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION)

    outcome = _override(engine, draft_id, reason="product name", codes=["intrusive_location"])

    assert outcome.applied, outcome.message


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_override_without_a_reason_is_refused(engine: Engine, reason: str | None) -> None:
    draft_id = blocked_draft(engine, LOCATION)
    before = audit_count(engine)

    outcome = _override(engine, draft_id, reason=reason)

    assert not outcome.applied and "needs a reason" in outcome.message
    assert draft_row(engine, draft_id).state == "needs_attention"
    assert audit_count(engine) == before


def test_an_invented_offer_is_never_overridable_even_beside_other_findings(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION, finding("invented_offer", "free shipping"))

    outcome = _override(engine, draft_id, reason="the manager said it is fine")

    assert not outcome.applied
    assert "invented_offer" in outcome.message and "cannot be overridden" in outcome.message
    assert draft_row(engine, draft_id).state == "needs_attention"
    assert audit_rows(engine, draft_id) == []


@pytest.mark.parametrize("code", ["opted_out", "quiet_hours", "sms_opt_out_missing"])
def test_opt_out_and_quiet_hour_rules_are_refused_by_name(engine: Engine, code: str) -> None:
    draft_id = blocked_draft(engine, LOCATION)

    outcome = _override(engine, draft_id, reason="urgent", codes=["intrusive_location", code])

    assert not outcome.applied and code in outcome.message
    assert NEVER_OVERRIDABLE[code] in outcome.message
    assert draft_row(engine, draft_id).state == "needs_attention"


def test_a_draft_to_a_customer_who_opted_out_is_never_let_through(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION, opted_out=True)

    outcome = _override(engine, draft_id, reason="product name")

    assert not outcome.applied and "opted_out on sms" in outcome.message
    assert draft_row(engine, draft_id).state == "needs_attention"


def test_every_blocking_code_must_be_covered_and_only_those(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION, finding("guilt", "last chance"))

    partial = _override(engine, draft_id, reason="fine", codes=["intrusive_location"])
    unknown = _override(engine, draft_id, reason="fine", codes=["guilt", "intrusive_location",
                                                                "banned_phrase"])  # fmt: skip

    assert not partial.applied and "still blocked by guilt" in partial.message
    assert not unknown.applied and "not blocking this draft: banned_phrase" in unknown.message
    assert draft_row(engine, draft_id).state == "needs_attention"


def test_a_draft_without_a_blocking_finding_has_nothing_to_override(engine: Engine) -> None:
    draft_id = blocked_draft(engine, WARNING)

    outcome = _override(engine, draft_id, reason="just because")

    assert not outcome.applied and "no blocking finding" in outcome.message


def test_an_overridden_draft_is_never_approved_in_bulk_by_risk(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION)
    _override(engine, draft_id, reason="product name")
    campaign_id = draft_row(engine, draft_id).campaign_id
    assert campaign_id is not None

    with unit_of_work(engine) as session:
        approved = service.approve_low_risk_drafts(session, campaign_id, ANA, risk.RiskPolicy())

    assert draft_id not in approved


def test_the_rule_lives_in_one_place() -> None:
    assert not overridable("invented_offer")
    assert overridable("intrusive_location") and overridable("truncated")
    assert service.overridable is overridable
