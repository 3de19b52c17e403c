"""Terminal review: a blocked draft's findings overridden with a reason, then approved."""

from __future__ import annotations

from sqlalchemy import Engine

from assistant.review.overrides import OVERRIDDEN_ACTION
from tests.connectors.terminal.test_review import ME, review
from tests.review.helpers import audit_rows, draft_row
from tests.review.test_override import LOCATION, blocked_draft, finding


def test_o_overrides_with_a_reason_and_a_then_approves(engine: Engine) -> None:
    draft_id = blocked_draft(engine, LOCATION)

    result = review("--no-editor", script="o\nHouse Blend is our coffee\na\n")

    assert result.exit_code == 0, result.output
    assert "[o]verride" in result.output
    assert "intrusive_location overridden by" in " ".join(result.output.split())
    row = draft_row(engine, draft_id)
    assert (row.state, row.decided_by) == ("approved", ME)
    override, approval = audit_rows(engine, draft_id)
    assert (override.action, override.actor) == (OVERRIDDEN_ACTION, ME)
    assert override.data == {
        "codes": ["intrusive_location"],
        "reason": "House Blend is our coffee",
        "version": 2,
    }
    assert approval.action == "draft.approved"


def test_an_empty_reason_or_an_invented_offer_is_refused_and_the_draft_stays_blocked(
    engine: Engine,
) -> None:
    offer = blocked_draft(engine, finding("invented_offer", "free shipping"))
    location = blocked_draft(engine, LOCATION)

    result = review("--no-editor", script="o\nthe boss agreed\ns\no\n\ns\n")

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps long lines
    assert "invented_offer: an offer the facts do not give is never sent" in said
    assert "an override needs a reason" in said
    assert draft_row(engine, offer).state == "needs_attention"
    assert draft_row(engine, location).state == "needs_attention"
    assert audit_rows(engine, offer) == [] and audit_rows(engine, location) == []


def test_o_is_not_a_key_for_a_draft_that_is_not_blocked(engine: Engine) -> None:
    draft_id = blocked_draft(engine)  # no finding at all: pending review

    result = review("--no-editor", script="o\ns\n")

    assert "Unknown key 'o'" in result.output
    assert draft_row(engine, draft_id).state == "pending_review"
