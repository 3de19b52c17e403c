"""Approve, edit and reject: each applies once, writes one audit row, and says why when not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from assistant.db import unit_of_work
from assistant.models.base import utcnow
from assistant.review import service
from assistant.review.actors import Actor
from assistant.review.editdistance import levenshtein
from tests.review.helpers import (
    add_campaign,
    add_customer,
    add_draft,
    audit_count,
    audit_rows,
    draft_row,
    pending_store,
)

ANA = Actor("slack:U0ANA", "Ana")
BEN = Actor("slack:U0BEN", "Ben")
BLOCKED = [
    {
        "code": "invented_price",
        "severity": "block",
        "message": "a money amount that is not in the facts",
        "excerpt": "$19.99",
    }
]


def _decide(engine: Engine, draft_id: int, **kwargs: object) -> service.DecisionOutcome:
    with unit_of_work(engine) as session:
        return service.decide(session, draft_id, **kwargs)  # type: ignore[arg-type]


def test_approve_applies_once_and_is_audited(engine: Engine) -> None:
    store = pending_store(engine)
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id)
    started = utcnow()

    outcome = _decide(engine, draft_id, action="approve", actor=ANA)

    assert outcome.applied and outcome.state == "approved"
    assert outcome.decided_by == "slack:U0ANA" and outcome.message == "approved by Ana"
    after = draft_row(engine, draft_id)
    assert after.state == "approved"
    assert after.version == before.version + 1
    assert after.decided_by == "slack:U0ANA"
    assert after.decided_at is not None and after.decided_at >= started - timedelta(seconds=1)
    assert after.edit_distance == 0 and after.body == before.body
    (entry,) = audit_rows(engine, draft_id)
    assert (entry.actor, entry.action) == ("slack:U0ANA", "draft.approved")
    assert (entry.from_state, entry.to_state) == ("pending_review", "approved")
    assert entry.data["before"] == {"body": before.body, "subject": None}
    assert entry.data["after"] == {"body": before.body, "subject": None}
    assert entry.occurred_at == after.decided_at

    again = _decide(engine, draft_id, action="approve", actor=BEN)
    assert not again.applied
    assert again.decided_by == "slack:U0ANA" and again.state == "approved"
    assert "already approved by slack:U0ANA" in again.message
    assert draft_row(engine, draft_id).version == before.version + 1
    assert len(audit_rows(engine, draft_id)) == 1


def test_reject_keeps_the_reason(engine: Engine) -> None:
    store = pending_store(engine)
    draft_id = store.drafts["Leo"]
    outcome = _decide(engine, draft_id, action="reject", actor=BEN, reason="  too pushy  ")
    assert outcome.applied and outcome.state == "rejected"
    row = draft_row(engine, draft_id)
    assert (row.state, row.decision_note, row.decided_by) == ("rejected", "too pushy", BEN.id)
    assert row.edit_distance is None
    (entry,) = audit_rows(engine, draft_id)
    assert (entry.action, entry.to_state, entry.data["note"]) == (
        "draft.rejected",
        "rejected",
        "too pushy",
    )
    late = _decide(engine, draft_id, action="approve", actor=ANA)
    assert not late.applied and late.decided_by == BEN.id and "already rejected" in late.message


def test_an_edit_with_a_blocking_finding_changes_nothing(engine: Engine) -> None:
    store = pending_store(engine)
    draft_id = store.drafts["Maya"]
    before = draft_row(engine, draft_id)
    audits = audit_count(engine)

    outcome = _decide(
        engine,
        draft_id,
        action="edit",
        actor=ANA,
        body="Hi Maya, use code SAVE50 for 50% off your next skillet! Sam at Ember & Oak",
    )

    assert not outcome.applied and outcome.state == "pending_review"
    codes = {f.code for f in outcome.findings if f.severity == "block"}
    assert {"invented_code", "invented_percent"} <= codes
    assert "blocked by guardrails" in outcome.message
    after = draft_row(engine, draft_id)
    assert (after.state, after.body, after.version) == (before.state, before.body, before.version)
    assert after.original_body is None and after.decided_by is None
    assert audit_count(engine) == audits


def test_an_edit_that_passes_approves_with_the_distance(engine: Engine) -> None:
    store = pending_store(engine)
    draft_id = store.drafts["Maya"]
    original = draft_row(engine, draft_id).body
    edited = original.replace("Have a lovely week.", "Enjoy it!").replace("Hey Maya", "Hi Maya")

    outcome = _decide(engine, draft_id, action="edit", actor=ANA, body=f"\r\n{edited}\r\n")

    assert outcome.applied and outcome.state == "approved"
    assert not [f for f in outcome.findings if f.severity == "block"]
    row = draft_row(engine, draft_id)
    assert row.body == edited and row.original_body == original
    assert row.edit_distance == levenshtein(original, edited) > 0
    assert row.findings["before_edit"] == [] and row.findings["blocked"] is False
    (entry,) = audit_rows(engine, draft_id)
    assert entry.action == "draft.edited" and entry.actor == ANA.id
    assert entry.data["before"]["body"] == original
    assert entry.data["after"]["body"] == edited
    assert entry.data["edit_distance"] == row.edit_distance


def test_an_email_edit_can_change_the_subject(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Maya")
        draft_id = add_draft(
            session, customer, add_campaign(session, "email"), first_name="Maya", channel="email"
        )
    body = draft_row(engine, draft_id).body
    outcome = _decide(
        engine, draft_id, action="edit", actor=ANA, body=body, subject=" How is the  skillet? "
    )
    assert outcome.applied
    row = draft_row(engine, draft_id)
    assert row.subject == "How is the skillet?" and row.edit_distance == 0
    (entry,) = audit_rows(engine, draft_id)
    assert entry.data["before"]["subject"] == "A quick check-in from Ember & Oak"
    assert entry.data["after"]["subject"] == "How is the skillet?"


def test_needs_attention_is_approved_only_through_an_edit(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Maya")
        draft_id = add_draft(
            session,
            customer,
            add_campaign(session),
            first_name="Maya",
            body="Hi Maya, your skillet is now $19.99. Sam at Ember & Oak",
            findings=BLOCKED,
        )
    assert draft_row(engine, draft_id).state == "needs_attention"

    refused = _decide(engine, draft_id, action="approve", actor=ANA)
    assert not refused.applied and refused.state == "needs_attention"
    assert [f.code for f in refused.findings] == ["invented_price"]
    assert "edit it" in refused.message
    assert audit_rows(engine, draft_id) == []

    fixed = _decide(
        engine,
        draft_id,
        action="edit",
        actor=ANA,
        body="Hi Maya, how is the Cast Iron Skillet 10in treating you? Sam at Ember & Oak",
    )
    assert fixed.applied and fixed.state == "approved"
    row = draft_row(engine, draft_id)
    assert row.original_body == "Hi Maya, your skillet is now $19.99. Sam at Ember & Oak"
    assert row.findings["before_edit"] == BLOCKED
    (entry,) = audit_rows(engine, draft_id)
    assert (entry.from_state, entry.to_state) == ("needs_attention", "approved")


def test_needs_attention_can_be_rejected(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        customer = add_customer(session, "Leo")
        draft_id = add_draft(
            session, customer, None, first_name="Leo", body="Hi Leo, $5 off!", findings=BLOCKED
        )
    outcome = _decide(engine, draft_id, action="reject", actor=ANA)
    assert outcome.applied and draft_row(engine, draft_id).state == "rejected"


def test_bad_calls_fail_loudly(engine: Engine) -> None:
    store = pending_store(engine, ("Maya",))
    with pytest.raises(service.DraftNotFound):
        _decide(engine, 999_999, action="approve", actor=ANA)
    with pytest.raises(ValueError, match="new text"):
        _decide(engine, store.drafts["Maya"], action="edit", actor=ANA)
    with pytest.raises(ValueError, match="unknown action"):
        _decide(engine, store.drafts["Maya"], action="send", actor=ANA)
    with pytest.raises(ValueError):
        Actor(" ")
    assert draft_row(engine, store.drafts["Maya"]).state == "pending_review"
